"""Light answers for a phone on a weak link: compressed by the portal itself (brotli when the browser
accepts it, else gzip), its own scripts minified, static files addressed by a hash of their content so a
browser may keep them for a year."""
import hashlib
import os
from functools import lru_cache

from flask import request
from flask_compress import Compress
from rjsmin import jsmin

compress = Compress()


@lru_cache(maxsize=256)
def _content_hash(path: str, mtime_ns: int) -> str:
    # Keyed by mtime too, so an edited file under `flask run --debug` gets a new URL at once.
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


@lru_cache(maxsize=16)
def _minified(path: str, mtime_ns: int) -> bytes:
    with open(path, encoding="utf-8") as handle:
        return jsmin(handle.read()).encode()


def static_version(static_folder: str, filename: str) -> str | None:
    path = os.path.join(static_folder, filename)
    try:
        return _content_hash(path, os.stat(path).st_mtime_ns)
    except OSError:
        return None


def init_app(app) -> None:
    # The portal runs without a proxy in front by default, so it compresses its own answers.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    compress.init_app(app)

    @app.url_defaults
    def _fingerprint_static(endpoint, values):
        # url_for('static', filename=...) gains ?v=<content hash>: a changed file is a new URL.
        if endpoint == "static" and "v" not in values:
            version = static_version(app.static_folder, values.get("filename", ""))
            if version:
                values["v"] = version

    @app.after_request  # registered after Flask-Compress's, so it runs before it
    def _cache_headers(response):
        if request.endpoint != "static":
            return response  # pages are no-store (portal/web/security.py)
        if response.status_code == 200:
            # Flask streams static files, and Flask-Compress cannot stream gzip: read the (small)
            # file into memory so gzip-only clients get it compressed too.
            file_body = response.response
            response.direct_passthrough = False
            response.set_data(b"".join(file_body))
            file_body.close()
        filename = (request.view_args or {}).get("filename", "")
        if response.status_code == 200 and filename.endswith(".js") and not filename.endswith(".min.js"):
            # Our own scripts travel without their comments (vendored ones come minified already).
            path = os.path.join(app.static_folder, filename)
            response.set_data(_minified(path, os.stat(path).st_mtime_ns))
        if response.status_code in (200, 304) and request.args.get("v") == static_version(app.static_folder, filename):
            response.cache_control.no_cache = None
            response.cache_control.max_age = 31536000
            response.cache_control.public = True
            response.cache_control.immutable = True
        return response
