"""The one way pages answer HTMX: a page template includes its `_part.html` fragments, and an
HX-Request gets only the fragment it asked for, rendered from the same context."""
from flask import render_template, request


def is_htmx() -> bool:
    # A history restore after a cache miss needs the whole page, though htmx sends HX-Request with it.
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


def render_page(template_name: str, fragment_name: str | None = None, /, **context) -> str:
    if fragment_name and is_htmx():
        return render_template(fragment_name, **context)
    return render_template(template_name, **context)
