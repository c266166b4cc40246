"""Issue 11: the console's barrier behind the guard.  Queries that read or write files are sent straight
to the bounded worker (``queries.console_runner.run_bounded``, the guard bypassed): on the embedded store
the worker's seccomp lock-down (``queries.console_sandbox``) keeps every file shut, on Neo4j the
server's own settings.  A control shows that LadybugDB's read-only mode alone reads and writes files."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from graph.store import StoreError
from loaders.export import export_rows
from queries import console_runner, console_sandbox
from tests.conftest import ROOT

CANARY = "CANARY-sandbox-5d1c-not-for-your-eyes"
MARKER_SOURCE = r"""
#include <fcntl.h>
#include <unistd.h>
/* Runs when the library is loaded: proof that LOAD EXTENSION reached the file. */
__attribute__((constructor)) static void loaded(void) {
    int fd = open(MARKER, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) { write(fd, "loaded", 6); close(fd); }
}
"""


@pytest.fixture
def paths(tmp_path, monkeypatch):
    """A secret the worker must not read, and places it must not write; the worker's HOME (where the
    engine installs extensions) is a fresh folder, and no started worker carries an older environment."""
    secret = tmp_path / "secret.csv"
    secret.write_text(f"{CANARY},x\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("CHAINGRAPH_CONSOLE_SANDBOX", raising=False)
    console_runner._stop_spares()
    yield {"secret": secret, "out": tmp_path / "out.csv", "outdir": tmp_path / "exported", "home": home,
           "other": tmp_path / "other.lbdb", "lib": tmp_path / "libmarker.lbug_extension",
           "marker": tmp_path / "marker.txt"}
    console_runner._stop_spares()


def build_marker_library(paths) -> None:
    """A real shared library whose constructor writes ``marker`` (the C compiler is on every machine
    of this project's kind, CI included)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    assert cc, "a C compiler (cc) is needed to build the extension probe"
    source = paths["lib"].with_suffix(".c")
    source.write_text(f'#define MARKER "{paths["marker"]}"\n' + MARKER_SOURCE, encoding="utf-8")
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(paths["lib"]), str(source)], check=True, timeout=60)


def bounded(store, text):
    return console_runner.run_bounded(store, text, {}, row_cap=100, timeout=30, warm=False)


EMBEDDED_ATTEMPTS = [
    "LOAD FROM '{secret}' (header=false) RETURN *",
    "LOAD WITH HEADERS (a STRING, b STRING) FROM '{secret}' (header=false) RETURN *",
    "COPY (RETURN 1 AS x) TO '{out}'",
    "COPY (MATCH (e:Enterprise) RETURN e.id, e.name) TO '{out}'",
    "EXPORT DATABASE '{outdir}'",           # (the bundled schema stops this one in the binder as well)
    "LOAD EXTENSION '{lib}'",
    "INSTALL httpfs",
    "LOAD EXTENSION httpfs",
    "ATTACH '{other}' AS other (dbtype lbug)",
]
NEO4J_ATTEMPTS = [
    "LOAD CSV FROM 'file://{secret}' AS l RETURN l",
    "LOAD CSV FROM 'file:///proc/self/environ' AS l RETURN l",
    "CALL apoc.export.csv.all('{out}', {{}})",
    "CALL apoc.load.csv('file://{secret}') YIELD map RETURN map",
    "LOAD FROM '{secret}' RETURN *",
    "COPY (RETURN 1 AS x) TO '{out}'",
]


def fill(text: str, paths) -> str:
    return text.format(**{k: str(v) for k, v in paths.items()})


def nothing_touched(paths) -> None:
    for key in ("out", "outdir", "other", "marker"):
        assert not paths[key].exists(), key
    assert os.listdir(paths["home"]) == [], "nothing installed or written under HOME"
    assert paths["secret"].read_text(encoding="utf-8") == f"{CANARY},x\n"


def test_past_the_guard_the_worker_reads_and_writes_no_file(bundled_store, paths):
    if bundled_store.backend == "embedded":
        build_marker_library(paths)
    before = export_rows(bundled_store)
    attempts = EMBEDDED_ATTEMPTS if bundled_store.backend == "embedded" else NEO4J_ATTEMPTS
    for text in attempts:
        with pytest.raises(StoreError) as refused:
            bounded(bundled_store, fill(text, paths))
        assert CANARY not in str(refused.value), text
        nothing_touched(paths)
    assert export_rows(bundled_store) == before
    # reads go on past the lock-down, every kind of value included
    rows = bounded(bundled_store, "MATCH (a:Alliance) RETURN count(a) AS n")["rows"]
    assert rows == [{"n": 4}]
    if bundled_store.backend == "embedded":
        [row] = bounded(bundled_store, console_runner.WARM_UP)["rows"]
        assert str(row["b"]) == "1.50" and row["i"] == {"k": [1.5]}


@pytest.fixture(scope="module")
def embedded_store(tmp_path_factory):
    """The bundled dataset on the embedded store (the engine whose read-only mode touches files)."""
    from graph.embedded import EmbeddedStore
    from loaders.load import load_paths
    from tests.conftest import BUNDLED
    store = EmbeddedStore(tmp_path_factory.mktemp("sandboxed"))
    load_paths(store, [BUNDLED])
    yield store
    store.close()


def test_the_engine_alone_reads_and_writes_files(embedded_store, paths, monkeypatch):
    """Why the lock-down exists, and proof that the test above can fail: without it
    (CHAINGRAPH_CONSOLE_SANDBOX=off) LadybugDB's read-only open reads the secret, writes a file, loads
    (runs) a library from a path and makes folders under HOME."""
    build_marker_library(paths)
    monkeypatch.setenv("CHAINGRAPH_CONSOLE_SANDBOX", "off")
    rows = bounded(embedded_store, fill("LOAD FROM '{secret}' (header=false) RETURN *", paths))["rows"]
    assert CANARY in str(rows)
    bounded(embedded_store, fill("COPY (RETURN 1 AS x) TO '{out}'", paths))
    assert paths["out"].exists()
    with pytest.raises(StoreError):          # not an extension, but the library was loaded (dlopen ran it)
        bounded(embedded_store, fill("LOAD EXTENSION '{lib}'", paths))
    assert paths["marker"].read_text() == "loaded"
    with pytest.raises(StoreError):          # no network here, but the extension folder was made first
        bounded(embedded_store, "INSTALL httpfs")
    assert os.listdir(paths["home"]) == [".lbdb"]


LOCKED_CHILD = textwrap.dedent("""
    import errno, os, socket, sys, threading
    from queries import console_sandbox
    ready, go, seen = threading.Event(), threading.Event(), {}
    def earlier_thread():              # started before the lock-down, as the engine's threads are
        ready.set(); go.wait()
        try:
            open(sys.argv[1]).read(); seen["thread"] = "read"
        except OSError as exc:
            seen["thread"] = exc.errno
    t = threading.Thread(target=earlier_thread); t.start(); ready.wait()
    kept = open(sys.argv[1])           # a descriptor held before the lock-down stays usable
    console_sandbox.lock_down()
    go.set(); t.join()
    results = {"thread": seen["thread"], "kept": kept.read()}
    for name, attempt in {"read": lambda: open(sys.argv[1]),
                          "write": lambda: open(sys.argv[2], "w"),
                          "mkdir": lambda: os.mkdir(sys.argv[2] + ".d"),
                          "exec": lambda: os.execv("/bin/true", ["true"]),
                          "socket": lambda: socket.socket()}.items():
        try:
            attempt(); results[name] = "allowed"
        except OSError as exc:
            results[name] = exc.errno
    print(results)
""")


def test_the_lock_down_shuts_every_thread_out_of_the_file_system(tmp_path):
    if not console_sandbox.denied_calls():
        pytest.fail("no seccomp lock-down for this machine: the console refuses the embedded store here")
    secret = tmp_path / "secret.txt"
    secret.write_text(CANARY, encoding="utf-8")
    out = tmp_path / "written.txt"
    done = subprocess.run([sys.executable, "-c", LOCKED_CHILD, str(secret), str(out)], cwd=ROOT, timeout=60,
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    import ast
    import errno
    results = ast.literal_eval(done.stdout.strip())
    assert results == {"thread": errno.EACCES, "kept": CANARY, "read": errno.EACCES, "write": errno.EACCES,
                       "mkdir": errno.EACCES, "exec": errno.EACCES, "socket": errno.EACCES}
    assert not out.exists() and not (tmp_path / "written.txt.d").exists()


def test_no_sandbox_means_no_console_on_the_embedded_store(embedded_store, monkeypatch):
    """Where the lock-down cannot be installed (another processor here) the worker refuses to run the
    query rather than run it with the guard alone; Neo4j's worker needs none."""
    monkeypatch.setattr(console_sandbox.platform, "machine", lambda: "sparc64")
    assert console_sandbox.denied_calls() == {}
    with pytest.raises(StoreError, match="CHAINGRAPH_CONSOLE_SANDBOX=off"):
        console_runner._confine(embedded_store)
