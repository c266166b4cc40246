"""Snapshots before each write: the graph exported (native CSV) to ``$CHAINGRAPH_DATA_DIR/snapshots/``.

An export is what both stores can give while the app holds the embedded file open, and it loads
back to the same graph (a re-export is byte-identical).  The newest ``CHAINGRAPH_SNAPSHOTS`` (default
5; 0 = none) are kept.  ``restore`` clears the store and loads a snapshot in one transaction, after
taking a snapshot of the state it replaces, so a restore can itself be undone.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from graph.store import Store
from loaders.export import export_graph

SNAPSHOT_DIR = "snapshots"


class SnapshotError(ValueError):
    """No such snapshot; the message is meant for users."""


def keep() -> int:
    return max(int(os.environ.get("CHAINGRAPH_SNAPSHOTS", "5")), 0)


def snapshot_root(data_dir: str | Path) -> Path:
    return Path(data_dir) / SNAPSHOT_DIR


def list_snapshots(data_dir: str | Path) -> list[str]:
    """Snapshot names (UTC timestamps), newest first."""
    root = snapshot_root(data_dir)
    if not root.is_dir():
        return []
    return sorted((p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)


def take(store: Store, data_dir: str | Path, protect: str | None = None) -> str | None:
    """Export the graph as it is now; None when snapshots are turned off.  Older ones beyond
    ``keep()`` are removed, except ``protect`` (the one a restore is about to read)."""
    if keep() == 0:
        return None
    root = snapshot_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    name = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    partial = root / f".{name}.partial"       # renamed once complete: a half-written one is never listed
    export_graph(store, partial)
    partial.rename(root / name)
    for old in list_snapshots(data_dir)[keep():]:
        if old != protect:
            shutil.rmtree(root / old, ignore_errors=True)
    return name


def resolve(data_dir: str | Path, name: str | None) -> Path:
    """The named snapshot, or the newest (taken before the last write) when ``name`` is None."""
    names = list_snapshots(data_dir)
    if not names:
        raise SnapshotError(f"no snapshots in {snapshot_root(data_dir)} / 没有可恢复的快照")
    if name is None:
        name = names[0]
    if name not in names:
        raise SnapshotError(f"no snapshot {name!r}; there are: {', '.join(names)} / 无此快照")
    return snapshot_root(data_dir) / name


def restore(store: Store, data_dir: str | Path, name: str | None = None) -> tuple[str, str | None]:
    """Give back the graph of snapshot ``name`` (default: newest).  Returns (restored, snapshot of the
    replaced state)."""
    from loaders.load import load_paths
    folder = resolve(data_dir, name)
    before = take(store, data_dir, protect=folder.name)
    if any(folder.glob("*.csv")):
        load_paths(store, [folder], replace=True)
    else:                                     # the snapshot of an empty graph
        store.clear()
    if before is not None and folder.name not in list_snapshots(data_dir)[:keep()]:
        shutil.rmtree(folder, ignore_errors=True)        # it was kept only for this restore
    return folder.name, before
