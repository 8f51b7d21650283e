"""Chinese text takes full-width punctuation: no half-width bracket, comma, colon … next to a Chinese
character in what a user reads. Checked where such text comes from (every string the portal's Python
code holds, the templates, the script) and where it ends up (every page the menus reach, as each role
of the demo office), so a new text of the kind fails here whichever way it reaches the user."""
import ast
import re
from pathlib import Path

from tests import mobile
from tests.mobile import main_pages, signed_in
from tests.pdf_tools import half_width_punctuation

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, nodes) and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}


def _patterns(tree: ast.AST) -> set[int]:
    """Strings that build a regular expression (re.compile(...), re.sub(...)): code, not text."""
    return {id(inner) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
            for argument in node.args[:1] for inner in ast.walk(argument)}


def test_no_string_in_the_portals_python_code_has_half_width_punctuation_in_chinese():
    found = []
    for path in sorted(PORTAL.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _docstrings(tree) | _patterns(tree)
        found += [(str(path.relative_to(PORTAL)), node.lineno, snippet) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped
                  for snippet in half_width_punctuation(node.value)]
    assert found == []


def test_no_template_script_or_data_file_has_half_width_punctuation_in_chinese():
    found = []
    for path in sorted([*PORTAL.joinpath("templates").rglob("*.html"), PORTAL / "static" / "js" / "portal.js",
                        *PORTAL.rglob("*.json")]):  # the seed rule set's name and description are shown
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{#.*?#\}|<style.*?</style>|/\*.*?\*/|^\s*//.*$", " ", text, flags=re.S | re.M)
        found += [(str(path.relative_to(PORTAL)), snippet) for snippet in half_width_punctuation(text)]
    assert found == []


def test_no_page_a_role_reaches_shows_half_width_punctuation_in_chinese(demo):
    found, pages = [], 0
    for username in mobile.DEMO_ROLES:
        for url, (_, html) in main_pages(signed_in(demo, username), "gzip").items():
            text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", html, flags=re.S)
            found += [(username, url, snippet) for snippet in half_width_punctuation(text)]
            pages += 1
    assert pages > 40
    assert found == [], "\n".join(map(repr, found))
