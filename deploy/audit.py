"""`make audit`: known vulnerabilities in the installed dependencies (pip-audit) and a static scan of
portal/ (bandit). Exits non-zero only for real findings.

pip-audit asks PyPI's JSON API about each installed package. A mirror or a closed network answers
"not found" for all of them, and pip-audit would still print "No known vulnerabilities found": this
script says plainly that the dependencies were NOT checked instead of passing that off as clean.
"""
import json
import subprocess  # nosec B404: runs the two audit tools of this virtualenv, fixed arguments
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def audit_dependencies() -> bool:
    """True when a dependency has a known vulnerability."""
    run = subprocess.run(  # nosec B603: fixed argument list, no shell
        [str(BIN / "pip-audit"), "--format", "json", "--progress-spinner", "off", "--skip-editable"],
        capture_output=True, text=True, check=False,
    )
    try:
        report = json.loads(run.stdout)
    except ValueError:
        print(f"== pip-audit 未能运行：{run.stderr.strip()[-500:]}")
        return False
    lines, vulnerable = summarize(report)
    print("\n".join(lines))
    return vulnerable


def summarize(report) -> tuple[list[str], bool]:
    """pip-audit's JSON report in a few lines, and whether any dependency is known to be vulnerable."""
    dependencies = report["dependencies"] if isinstance(report, dict) else report
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    unchecked = [dep for dep in dependencies if dep.get("skip_reason")]
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = "、".join(vuln.get("fix_versions") or []) or "暂无"
            lines.append(f"!! {dep['name']} {dep['version']}: {vuln['id']}（修复版本：{fixed}）")
    if unchecked and len(unchecked) == len(dependencies):
        lines.append(f"== pip-audit：漏洞库无法访问（{len(unchecked)} 个依赖全部未能查询，例如："
                     f"{unchecked[0]['skip_reason']}）。依赖未经检查，请在能访问 pypi.org 的机器上重新运行 make audit。")
    elif unchecked:
        names = "、".join(dep["name"] for dep in unchecked)
        lines.append(f"== pip-audit：{len(dependencies) - len(unchecked)} 个依赖已检查，{len(unchecked)} 个未能查询：{names}")
    if not vulnerable and len(unchecked) < len(dependencies):
        lines.append("== pip-audit：已检查的依赖没有已知漏洞")
    return lines, bool(vulnerable)


def scan_code() -> bool:
    """True when bandit reports an issue in portal/ (justified ones carry `# nosec <id>` and a reason)."""
    run = subprocess.run(  # nosec B603: fixed argument list, no shell
        [str(BIN / "bandit"), "-q", "-r", "portal"], capture_output=True, text=True, check=False,
    )
    # bandit warns about a nosec on each line of a multi-line statement; those are not findings.
    noise = [line for line in run.stderr.splitlines() if "nosec encountered" not in line]
    print("\n".join(filter(None, [run.stdout.strip(), *noise])) or "== bandit：portal/ 未发现问题")
    return run.returncode != 0


if __name__ == "__main__":
    found = audit_dependencies()
    found = scan_code() or found
    sys.exit(1 if found else 0)
