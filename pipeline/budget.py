"""A time budget per document and stage, so one pathological input fails instead of stalling a run.

The budget (pipeline/rules/run.toml) grows with the source's size. It is
enforced with a real-time interval timer, which needs the main thread of a
process: that is where Luigi's workers and the plain loop run stages. Where
no timer can be set (another thread, or a budget already running around a
nested stage), the stage runs unlimited.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from functools import cache
from typing import Any

from .rules import RuleError, load

RULE_FILE = "run.toml"
_active = False


class OverBudget(RuntimeError):
    """A stage ran past its time budget on one document."""


@cache
def _rule() -> dict[str, Any]:
    entries = load(RULE_FILE).get("budget", [])
    if len(entries) != 1:
        raise RuleError(f"{RULE_FILE}: expected one [[budget]] entry, found {len(entries)}")
    rule = entries[0]  # keys and types are checked by the schema (rules/schema.toml)
    for key in ("seconds", "seconds_per_mb"):
        if rule[key] < 0:
            raise RuleError(f"{RULE_FILE}: [[budget]] {rule['id']}: {key} must be >= 0")
    return rule


def seconds_for(size_bytes: int) -> float:
    """The budget of one stage on a source of this size."""
    rule = _rule()
    return float(rule["seconds"] + rule["seconds_per_mb"] * size_bytes / 1e6)


@contextlib.contextmanager
def limit(seconds: float) -> Iterator[None]:
    """Raise OverBudget in the body once `seconds` of wall time have passed."""
    global _active
    if _active or seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise OverBudget(f"over its time budget of {seconds:.0f} s ({RULE_FILE} {_rule()['id']})")

    previous = signal.signal(signal.SIGALRM, expire)
    _active = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        _active = False
