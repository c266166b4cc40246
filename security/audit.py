"""The audit log: one JSON object per line in ``$CHAINGRAPH_DATA_DIR/audit.jsonl``, append-only.

Each write (load, clear, restore) says who (an app user, or ``os:NAME`` for the command line), when,
on which store, from which files (name, size, sha256), how many rows were created / updated /
unchanged, and which stored values changed (old → new, at most ``MAX_CHANGES`` of them, values cut
to ``VALUE_WIDTH`` characters).
"""
from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
from pathlib import Path
from typing import Any

AUDIT_FILE = "audit.jsonl"
MAX_CHANGES = 200
VALUE_WIDTH = 200


def audit_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / AUDIT_FILE


def os_user() -> str:
    """Who runs the command line: the operating-system account (the OS is the boundary there)."""
    try:
        return "os:" + getpass.getuser()
    except (KeyError, OSError):
        return f"os:uid{os.getuid()}"


def file_digests(files: list[Path]) -> list[dict[str, Any]]:
    out = []
    for path in files:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        out.append({"name": path.name, "bytes": path.stat().st_size, "sha256": digest.hexdigest()})
    return out


def record(data_dir: str | Path, action: str, who: str, store: str, **details: Any) -> dict[str, Any]:
    """Append one entry (one ``write`` of one line on an O_APPEND file: entries never interleave)."""
    entry = {"time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "action": action,
             "who": who, "store": store, **details}
    path = audit_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


def load_details(summary, files: list[Path], snapshot: str | None, blank_overwrites: bool) -> dict[str, Any]:
    """The audit fields of a load: files, counts per label/type and the changed values (bounded)."""
    changes = summary.changes.changes
    return {"files": file_digests(files), "counts": summary.table(), "snapshot": snapshot,
            "blank_overwrites": blank_overwrites, "changes_total": len(changes),
            "changes": [c.as_dict(VALUE_WIDTH) for c in changes[:MAX_CHANGES]],
            "summary": summary.changes.lines(limit=5)}


def entries(data_dir: str | Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The newest ``limit`` entries, newest first (a damaged line is shown as such, not dropped)."""
    path = audit_path(data_dir)
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    out = []
    for line in reversed(lines[-limit:] if limit else lines):
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append({"action": "unreadable line", "raw": line[:VALUE_WIDTH]})
    return out
