"""Response headers (ASVS V3.4): the CSP without 'unsafe-inline'/'unsafe-eval' and the templates that
let it hold, Referrer-Policy, X-Frame-Options, nosniff, no-store on everything but static files, and the
safe file names of downloads. The permission crawl (test_permissions.py) checks the same headers on every
route × role answer."""
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest

import portal
from portal.extensions import db, utcnow
from portal.solicitations.services import SolicitationFields, issue_solicitation
from portal.web.downloads import safe_filename
from tests.conftest import login

TEMPLATES = Path(portal.__file__).parent / "templates"
DIRECTIVES = {
    "default-src": {"'self'"}, "script-src": {"'self'"}, "style-src": {"'self'"},
    "img-src": {"'self'", "data:", "blob:"}, "object-src": {"'none'"}, "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"}, "form-action": {"'self'"},
}
# What a strict CSP would block in a served page: inline scripts and styles, event handler attributes,
# htmx's own inline handlers (hx-on, evaluated code) and javascript: URLs.
INLINE_CODE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "<style>": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "on* handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "hx-on": re.compile(r"\b(data-)?hx-on", re.I),
    "htmx eval (hx-vars, js:)": re.compile(r"\bhx-vars\b|[\"']js:", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def check_security_headers(response) -> list[str]:
    """What is wrong with the security headers of one answer (empty: nothing). Shared with the crawl."""
    problems = []
    directives = {}
    for part in response.headers.get("Content-Security-Policy", "").split(";"):
        if part.strip():
            name, *values = part.split()
            directives[name] = set(values)
    if directives != DIRECTIVES:
        problems.append(f"Content-Security-Policy is {response.headers.get('Content-Security-Policy')!r}")
    expected = {"Referrer-Policy": "same-origin", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store"}
    for name, value in expected.items():
        if response.headers.get(name) != value:
            problems.append(f"{name} is {response.headers.get(name)!r}, not {value!r}")
    return problems


def served_templates() -> list[Path]:
    # pdf/ templates are rendered by WeasyPrint into PDF bytes, never sent as HTML (the crawl checks that).
    return sorted(path for path in TEMPLATES.rglob("*.html") if path.relative_to(TEMPLATES).parts[0] != "pdf")


def test_the_csp_allows_no_inline_code_or_eval(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "*" not in policy
    assert "object-src 'none'" in policy and "base-uri 'none'" in policy and "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("path", served_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_served_templates_carry_no_inline_code(path):
    source = path.read_text(encoding="utf-8")
    found = [name for name, pattern in INLINE_CODE.items() if pattern.search(source)]
    assert not found, f"{path.relative_to(TEMPLATES)}: {found} would be blocked by the CSP"


def test_the_scan_finds_inline_code():
    for sample in ('<script>alert(1)</script>', '<div style="color: red">', '<button onclick="go()">',
                   '<form hx-on::after-request="x()">', '<style>p {}</style>', '<a href="javascript:go()">',
                   '<div hx-vars="a: 1">'):
        assert any(pattern.search(sample) for pattern in INLINE_CODE.values()), sample
    assert not any(pattern.search('<script src="/static/js/htmx.min.js" defer></script>')
                   for pattern in INLINE_CODE.values())


def test_htmx_runs_without_eval_inline_styles_or_a_history_copy(client):
    page = client.get("/login").get_data(as_text=True)
    config = re.search(r'<meta name="htmx-config" content=\'(\{.*?\})\'>', page)
    assert config, "base.html must configure htmx"
    for setting in ('"allowEval":false', '"includeIndicatorStyles":false', '"historyCacheSize":0'):
        assert setting in config.group(1)


def test_pages_fragments_errors_and_files_carry_the_headers(app, world, make):
    client = app.test_client()
    answers = {"login page": client.get("/login"), "anonymous redirect": client.get("/items")}
    login(client, world.editor)
    item = make.item(world.reporter, "submitted", signer=world.signer, editor=world.editor)
    answers |= {
        "page": client.get("/inbox"),
        "fragment": client.get("/inbox?q=x", headers={"HX-Request": "true"}),
        "404": client.get("/items/999999"),
        "403": client.get("/admin/users"),
        "405": client.get("/logout"),
        "item": client.get(f"/items/{item.id}"),
        "xlsx": client.get("/roster/export.xlsx"),
    }
    for name, response in answers.items():
        assert check_security_headers(response) == [], name


def test_static_files_stay_cacheable(client):
    with client.get("/static/css/portal.css") as response:
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", "")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in response.headers


# ---- downloads: a server-made, safe Content-Disposition ----------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("约稿通知单-今冬明春安全生产.pdf", "约稿通知单-今冬明春安全生产.pdf"),
    ('通报"一"\r\n Set-Cookie: x=1.xlsx', "通报_一_ Set-Cookie_ x=1.xlsx"),
    ("../../etc/passwd.pdf", "etc_passwd.pdf"),
    ("\u2028\x00.pdf", "文件.pdf"),
    ("长" * 200 + ".pdf", "长" * 80 + ".pdf"),
])
def test_download_names_are_made_safe(typed, expected):
    assert safe_filename(typed) == expected


def test_a_topic_with_quotes_and_line_breaks_downloads_under_a_safe_name(app, world):
    fields = SolicitationFields(topic='关于"冬季"\r\n安全/检查', requirements="请反映主要隐患。",
                                deadline=utcnow() + timedelta(days=3), unit_ids={world.own.id})
    with app.test_request_context(method="POST"):
        solicitation = issue_solicitation(world.editor, fields)
    db.session.commit()
    client = app.test_client()
    login(client, world.reporter)
    response = client.get(f"/solicitations/{solicitation.id}/print.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "\r" not in disposition and "\n" not in disposition and disposition.count('"') <= 2
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert unquote(encoded) == "约稿通知单-关于_冬季_安全_检查.pdf"
    assert check_security_headers(response) == []
