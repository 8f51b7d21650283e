"""The services' layer order (docs/architecture.md): a module imports only from its own layer or lower ones.
A lower layer that needs a higher one to act announces it (items/signals.py) and the higher one connects in
its init_app. Views, forms, CLI commands and hooks sit on top and may import any service; so do
create_app, demo.py and backup.py."""
import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"
LAYERS = [
    {"extensions", "web"},
    {"auth", "units", "audit", "notifications"},
    {"items", "pdf", "word"},
    {"checks", "search", "solicitations", "scoring", "editions", "roster"},
    {"bulletins", "reminders"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
# Modules on top of every layer: what a request or a command reaches first.
TOP = {"views", "admin_views", "record_views", "forms", "admin_forms", "record_forms", "cli", "hooks", "display"}


def layer_of(parts: tuple[str, ...]) -> str:
    """notifications/reminders.py is its own layer: it reads every domain's deadlines."""
    return "reminders" if parts[:2] == ("notifications", "reminders") else parts[0]


def imports_against_the_order(portal: Path = PORTAL) -> list[str]:
    wrong = []
    for path in sorted(portal.rglob("*.py")):
        parts = path.relative_to(portal).with_suffix("").parts
        if len(parts) == 1 or parts[-1] in TOP:
            continue
        package = parts[:-1]  # an __init__.py, like any module, sits in its folder's package
        source = layer_of(parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            base = package[: len(package) - (node.level - 1)]
            target = (*base, *(node.module.split(".") if node.module else ()))
            if not target:
                continue
            if RANK.get(layer_of(target), -1) > RANK[source]:
                wrong.append(f"{path.relative_to(portal.parent)}:{node.lineno} {source} imports {'.'.join(target)}")
    return wrong


def test_every_package_has_a_layer():
    packages = {p.name for p in PORTAL.iterdir() if (p / "__init__.py").exists()} | {"extensions"}
    assert packages - {"static", "templates"} <= set(RANK)


def test_services_import_only_their_layer_or_lower():
    assert imports_against_the_order() == []


def test_a_higher_import_is_found(tmp_path):
    probe = tmp_path / "portal" / "items" / "services.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from ..bulletins.services import publish_bulletin\nfrom ..units.models import Unit\n",
                     encoding="utf-8")
    assert imports_against_the_order(tmp_path / "portal") == ["portal/items/services.py:1 items imports bulletins.services"]


def test_a_higher_import_from_a_package_init_is_found(tmp_path):
    probe = tmp_path / "portal" / "scoring" / "engine" / "__init__.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from ...bulletins.services import publish_bulletin\nfrom .rules import RuleSet\n", encoding="utf-8")
    assert imports_against_the_order(tmp_path / "portal") == [
        "portal/scoring/engine/__init__.py:1 scoring imports bulletins.services"]
