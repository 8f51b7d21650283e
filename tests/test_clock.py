"""Time is an input: the portal reads the time through one function, and tests choose the moment."""
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from portal.extensions import utcnow
from portal.web.filters import office_today

ROOT = Path(__file__).resolve().parent.parent
# Ways of reading the real clock other than portal.extensions.utcnow (time.perf_counter, which only
# measures durations, is allowed).
CLOCK_READS = re.compile(r"\b(datetime\.now|datetime\.utcnow|date\.today|datetime\.today|time\.time|time\.time_ns|"
                         r"time\.localtime|time\.gmtime)\(")


def _reads(folder: str, allowed: set[str]) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if CLOCK_READS.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_the_portal_reads_the_time_through_one_function():
    assert _reads("portal", {"portal/extensions.py"}) == []


def test_tests_read_no_clock_but_the_travelled_one():
    # utcnow() in a test reads the travelled clock; the direct reads would too, but one spelling keeps
    # the rule greppable.
    assert _reads("tests", {"tests/test_clock.py"}) == []


# Measuring a duration: fine for a benchmark's figure or a wait's deadline, never for an assertion.
STOPWATCH = re.compile(r"\btime\.(perf_counter|monotonic|process_time)(_ns)?\(")


def test_no_test_asserts_a_duration():
    # Performance targets are bench/'s figures: on a shared machine a timed assertion fails for reasons
    # of its own. The browser walk's timings (tests/mobile.py) are reported by bench/mobile.py, and the
    # fault test waits for a server with a deadline.
    found = []
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if STOPWATCH.search(line) and relative not in {"tests/test_fault.py", "tests/test_clock.py"}:
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []


def test_the_suite_lives_at_its_chosen_moment(suite_clock):
    # The suite's clock started at its moment when the run began, and ticks (no run takes two hours).
    assert suite_clock <= utcnow() < suite_clock + timedelta(hours=2)


@pytest.mark.now("2027-01-01T00:30+08:00")
def test_a_marked_test_lives_at_its_own_moment(app):
    # Still 31 December in UTC, already the new year in the office.
    assert utcnow().astimezone(timezone.utc).date().isoformat() == "2026-12-31"
    assert office_today().isoformat() == "2027-01-01"


def test_the_clock_ticks_and_travels(clock):
    start = utcnow()
    clock.shift(timedelta(days=40))
    assert timedelta(days=40) <= utcnow() - start < timedelta(days=40, minutes=5)


def test_the_real_clock_still_exists_outside_the_travel():
    # The one test that reads the real clock: proves the travel is undone when a test ends, and that
    # utcnow() is the real time when nobody travels.
    from time_machine import escape_hatch

    real = datetime.fromtimestamp(escape_hatch.time.time(), timezone.utc)
    assert real.year >= 2026
    assert escape_hatch.is_travelling()
