"""Luigi tasks: thin wrappers that run one pipeline stage on a unit of documents."""

from .stages import CleanReports, Decode, Extract, Normalise, Reassemble, Render, Repair, Strip

__all__ = ["CleanReports", "Extract", "Decode", "Normalise", "Strip", "Repair", "Reassemble", "Render"]
