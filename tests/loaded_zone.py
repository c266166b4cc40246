"""A graph loaded into one backend, reachable through the library and through the CLI (CliRunner):
the embedded store is opened per use, so the CLI (another opener of the same file) can run too."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner

import cli
from graph.embedded import EmbeddedStore
from loaders.load import load_paths
from queries import registry
from tests.conftest import neo4j_or_skip


class Zone:
    """The graph loaded into one backend: the library through ``open()``, the CLI through ``cli()``."""

    def __init__(self, backend: str, data_dir: Path | None, session=None, folder: Path | None = None):
        self.backend, self.data_dir, self.session, self.folder = backend, data_dir, session, folder

    @contextmanager
    def open(self):
        if self.backend == "neo4j":
            # One Neo4j server for every test: load this zone again if another test loaded its own.
            if getattr(self.session, "_zone_folder", None) != self.folder:
                self.session.clear()
                load_paths(self.session, [self.folder])
                self.session._zone_folder = self.folder
            yield self.session
        else:
            store = EmbeddedStore(self.data_dir)
            try:
                yield store
            finally:
                store.close()

    def run(self, name: str, **params):
        with self.open() as store:
            return registry.get(name).run(store, **params)

    def cli(self, *args: str, columns: int = 100, expect: int = 0) -> str:
        with self.open():
            pass
        where = ["--store", self.backend] + (["--data-dir", str(self.data_dir)] if self.data_dir else [])
        result = CliRunner().invoke(cli.main, [*where, *args], env={"COLUMNS": str(columns)}, catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result.stdout


def write_folder(path: Path, files: dict[str, str]) -> Path:
    """A folder of native files: {file name: its text}."""
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return path


def load_zone(request, tmp_path_factory, folder: Path):
    if request.param == "embedded":
        data_dir = tmp_path_factory.mktemp(f"exact-{folder.name}")
        with EmbeddedStore(data_dir) as store:
            load_paths(store, [folder])
        return Zone("embedded", data_dir)
    neo4j_or_skip()
    session = request.getfixturevalue("neo4j_session_store")
    session._zone_folder = None
    return Zone("neo4j", None, session, folder)
