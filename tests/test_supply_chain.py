"""`make audit` (deploy/audit.py): bandit finds nothing in portal/, and a pip-audit run that could check
nothing is reported as unchecked, never as clean."""
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_audit():
    spec = importlib.util.spec_from_file_location("audit", ROOT / "deploy" / "audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_report_that_checked_nothing_says_so():
    skipped = {"dependencies": [
        {"name": "flask", "version": "3.1.3", "skip_reason": "Dependency not found on PyPI and could not be audited"},
        {"name": "pillow", "version": "13.0.0", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    ], "fixes": []}
    lines, vulnerable = load_audit().summarize(skipped)
    assert not vulnerable
    assert any("漏洞库无法访问" in line and "依赖未经检查" in line for line in lines)
    assert not any("没有已知漏洞" in line for line in lines)


def test_a_known_vulnerability_fails_the_audit():
    report = {"dependencies": [
        {"name": "flask", "version": "3.1.0", "vulns": [{"id": "GHSA-4grg-w6v8-c28g", "fix_versions": ["3.1.1"]}]},
        {"name": "pillow", "version": "13.0.0", "vulns": []},
    ], "fixes": []}
    lines, vulnerable = load_audit().summarize(report)
    assert vulnerable and "!! flask 3.1.0: GHSA-4grg-w6v8-c28g（修复版本：3.1.1）" in lines


@pytest.mark.skipif(shutil.which("bandit", path=str(Path(sys.executable).parent)) is None,
                    reason="bandit is in the audit extra")
def test_bandit_finds_nothing_in_the_portal():
    run = subprocess.run([str(Path(sys.executable).parent / "bandit"), "-q", "-r", "portal"], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout
