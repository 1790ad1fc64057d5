"""Outline markers of a report (一、 / （一） / 1. / （1） / 第一，), for reassemble's reading order.

The markers and the numeral parser are defined once in pipeline/shape.py
(rules/shape.toml); this module names the two functions reassemble uses.
Levels: 1 = `一、`, 2 = `（一）`, 3 = `1.` / `1、` / `第一，`, 4 = `（1）`.
"""

from __future__ import annotations

from .shape import chinese_number, outline_marker

__all__ = ["chinese_number", "outline_marker"]
