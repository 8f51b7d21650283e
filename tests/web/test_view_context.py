"""What a view hands its template is what the template reads: a value no template uses is work done on every
view for nothing (a form built, a query run — the item page once read an item's adoptions this way)."""
import ast
from pathlib import Path

from jinja2 import meta, nodes

PORTAL = Path(__file__).resolve().parents[2] / "portal"
RENDERERS = {"render_page", "render_template"}


def _names_read(env, template: str, seen: set[str]) -> set[str]:
    """Every name a template, and the templates it extends, includes or imports, reads."""
    if template in seen:
        return set()
    seen.add(template)
    tree = env.parse(env.loader.get_source(env, template)[0])
    names = {node.name for node in tree.find_all(nodes.Name)}
    for referenced in meta.find_referenced_templates(tree):
        if referenced is not None:
            names |= _names_read(env, referenced, seen)
    return names


def test_every_value_a_view_hands_its_template_is_read_by_it(app):
    unread = []
    for path in sorted(PORTAL.rglob("*.py")):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", getattr(call.func, "attr", None)) in RENDERERS):
                continue
            templates = [arg.value for arg in call.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
            read = set().union(*(_names_read(app.jinja_env, template, set()) for template in templates))
            unread += [f"{path.relative_to(PORTAL)}:{call.lineno} {keyword.arg}" for keyword in call.keywords
                       if templates and keyword.arg and keyword.arg not in read]
    assert unread == []
