"""Cleaning scraped Chinese government work reports into canonical Markdown.

One module per stage (decode, normalise, strip, repair, reassemble, render),
each a pure function from text and metadata to new text plus an exact
record of its edits; `runner` drives them with Luigi.
"""

__version__ = "0.1.0"

from .api import Report, clean

__all__ = ["Report", "clean"]
