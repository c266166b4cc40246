"""Every write the app and the command line make, with its snapshot and its audit entry.

Loads refuse blank overwrites unless asked (see loaders/changes.py); the snapshot is taken only
once the input is checked, just before the write; the audit entry is appended after the commit.
"""
from __future__ import annotations

from pathlib import Path

from graph.store import Store
from loaders.load import LoadSummary, expand_paths, load_paths
from security import audit, snapshots


def load(store: Store, paths: list, *, who: str, data_dir: str | Path, blank_overwrites: bool = False,
         mapping: str | Path | None = None, **options) -> tuple[LoadSummary, dict]:
    """``load_paths`` plus snapshot and audit; returns the summary and the audit entry."""
    taken: dict = {}

    def before_write() -> None:
        taken["snapshot"] = snapshots.take(store, data_dir)
    summary = load_paths(store, paths, mapping=mapping, blank_overwrites=blank_overwrites,
                         before_write=before_write, **options)
    files = expand_paths(paths) + ([Path(mapping)] if mapping else [])
    entry = audit.record(data_dir, "load", who, store.describe(),
                         **audit.load_details(summary, files, taken.get("snapshot"), blank_overwrites))
    return summary, entry


def clear(store: Store, *, who: str, data_dir: str | Path) -> dict:
    before = store.counts()
    snapshot = snapshots.take(store, data_dir)
    store.clear()
    return audit.record(data_dir, "clear", who, store.describe(), snapshot=snapshot, counts_before=before)


def restore(store: Store, *, who: str, data_dir: str | Path, name: str | None = None) -> dict:
    restored, snapshot = snapshots.restore(store, data_dir, name)
    return audit.record(data_dir, "restore", who, store.describe(), restored=restored, snapshot=snapshot,
                        counts_after=store.counts())


def zone(store: Store, ids: list[str], *, who: str, data_dir: str | Path, files: list[Path] = ()) -> dict:
    """Replace the zone (loaders/zone.py) with a snapshot first and the flipped in_zone values audited."""
    from loaders.changes import Change
    from loaders.zone import clear_zone, set_zone
    was = {r["id"] for r in store.read("MATCH (e:Enterprise) WHERE e.in_zone = true RETURN e.id AS id")}
    wanted = set(ids)
    snapshot = snapshots.take(store, data_dir)
    set_zone(store, list(ids)) if ids else clear_zone(store)
    changes = [Change("node", "Enterprise", i, "in_zone", i in was, i in wanted) for i in sorted(was ^ wanted)]
    return audit.record(data_dir, "zone", who, store.describe(), snapshot=snapshot,
                        files=audit.file_digests(list(files)), in_zone=len(wanted), changes_total=len(changes),
                        changes=[c.as_dict(audit.VALUE_WIDTH) for c in changes[:audit.MAX_CHANGES]])


def refresh_aggregates(store: Store, *, who: str, data_dir: str | Path, differences: list[str]) -> dict:
    """Recompute the maintained lead aggregates (``chaingraph check --repair``): derived values only,
    so no snapshot; the differences found are audited."""
    from queries.lead_aggregates import recompute_all
    recompute_all(store)
    return audit.record(data_dir, "refresh_aggregates", who, store.describe(), differences=differences)
