"""Shared fixtures: the sample reports, their gold texts and checks (copies from ../shared/eval)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = Path(__file__).parent / "gold"
FIXTURES = Path(__file__).parent / "fixtures"


def seed_paths() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


def gold_paths() -> list[Path]:
    return sorted(GOLD.glob("*.txt"))


@pytest.fixture(scope="session")
def seed_checks() -> dict:
    return tomllib.loads((GOLD / "seed-checks.toml").read_text(encoding="utf-8"))
