"""What one import may ask of the machine.  A small file must not be able to make the reader
allocate gigabytes (a workbook claiming a cell at XFD1048576, a zip bomb, a million-column CSV),
so every reader stops at these limits with a problem naming the file.  Each limit is read from its
environment variable at call time (tests and operators change them without a restart)."""
from __future__ import annotations

import math
import os

# name: (environment variable, default, what it limits)
LIMITS = {
    "upload_mb": ("CHAINGRAPH_MAX_UPLOAD_MB", 50, "MB per uploaded file (the app)"),
    "columns": ("CHAINGRAPH_MAX_COLUMNS", 1000, "columns per table"),
    "cells": ("CHAINGRAPH_MAX_CELLS", 5_000_000, "cells per sheet (rows × columns read)"),
    # Excel's own limit for one cell: nothing legitimate is longer.
    "cell_chars": ("CHAINGRAPH_MAX_CELL_CHARS", 32767, "characters per cell"),
    "unzipped_mb": ("CHAINGRAPH_MAX_UNZIPPED_MB", 500, "MB of an XLSX once unzipped"),
    "problems_per_file": ("CHAINGRAPH_MAX_PROBLEMS", 100, "problems listed per file"),
    "mapping_kb": ("CHAINGRAPH_MAX_MAPPING_KB", 1024, "KB per mapping file"),
}


def limit(name: str) -> float:
    """The limit's current value (a positive number; an unreadable setting falls back to the default)."""
    env, default, _ = LIMITS[name]
    try:
        value = float(os.environ.get(env, default))
    except ValueError:
        return default
    if not math.isfinite(value) or value <= 0:
        return default
    return value if name == "upload_mb" else int(value)


def env_name(name: str) -> str:
    return LIMITS[name][0]
