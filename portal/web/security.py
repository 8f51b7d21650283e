"""Response headers every answer carries (ASVS V3.4): one after_request hook, so a view cannot forget them."""
from flask import request

# No 'unsafe-inline' or 'unsafe-eval': templates carry no inline script, style or event handler
# (tests/web/test_security_headers.py scans them), and htmx runs with allowEval=false and
# includeIndicatorStyles=false (base.html). img-src allows data: and blob: for photo previews.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def is_static_request() -> bool:
    """The app's and any blueprint's static files: the only answers a browser or proxy may keep."""
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    # The same URL answers with a whole page or a fragment: caches must key on HX-Request.
    response.vary.add("HX-Request")
    if not is_static_request():
        # Pages, fragments, photos, PDFs and exports carry personal data: no browser or shared cache keeps them.
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)
