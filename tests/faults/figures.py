"""The fault-injection figures in the terminal summary, so they show in CI's log. They travel as `record_property`,
so `-n 2` keeps them; this is a plugin loaded by the root conftest (not a hook in tests/faults/conftest.py) because
under xdist the controlling process, which prints the summary, never loads that conftest in a whole-suite run."""

from __future__ import annotations

import json

FIGURES_PROPERTY = "fault_figures"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    rows = []
    for key in ("passed", "failed", "error"):
        for report in terminalreporter.stats.get(key, []):
            if getattr(report, "when", "call") != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if name == FIGURES_PROPERTY:
                    rows.append((report.nodeid, report.outcome, value))
    if not rows:
        return
    terminalreporter.section("fault-injection figures")
    for nodeid, outcome, value in sorted(rows):
        counts = ", ".join(f"{k}={v}" for k, v in json.loads(value).items())
        terminalreporter.write_line(f"{nodeid.split('::', 1)[-1]} [{outcome}]: {counts}")
