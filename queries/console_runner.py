"""Console queries run in a child process bounded in time, memory and result size.

The timeout alone does not bound memory: ``UNWIND range(1, 10000000000)`` grew an in-process engine
to 17 GB and a segfault, and ``RETURN range(1, 20000000)`` streams one 1 GB record from Neo4j long
after the transaction timeout.  So the query runs in a child (``python -m queries.console_runner``)
that opens the store read-only itself (LadybugDB: a read-only open beside the app's, measured to see
the app's committed writes; Neo4j: a new driver, auto-commit READ transactions, never retried) under:

- an address-space limit (RLIMIT_AS): the engine's allocations fail cleanly (``std::bad_alloc``);
- a resident-memory watch from this side, and a wall-clock deadline: over either, the child is killed;
- a cap on the result in bytes (pickled rows) as well as in rows.

Whatever the child does (out of memory, segfault, killed), the calling process (the app, the CLI)
only sees a StoreError; its own memory holds at most the capped result.

On the embedded store the child then locks itself down before it runs the query
(``queries.console_sandbox``): LadybugDB's read-only mode still reads and writes files (``LOAD FROM``,
``COPY … TO``, ``EXPORT DATABASE``), so past the guard the worker can open no file at all.
"""
from __future__ import annotations

import atexit
import json
import os
import pickle
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from graph.store import QueryTimeout, ReadOnlyViolation, Store, StoreError, StoreUnavailable

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
# Defaults; the app and the CLI read them from the environment.
MEMORY_MB = int(os.environ.get("CHAINGRAPH_CONSOLE_MEMORY_MB", "1024"))   # the child's resident memory
RESULT_MB = float(os.environ.get("CHAINGRAPH_CONSOLE_RESULT_MB", "5"))    # the result, pickled
BUFFER_POOL_MB = 256                      # LadybugDB's buffer pool in the child
STARTUP_GRACE = 15.0                      # seconds for the child to start and open the store


class QueryResourceLimit(StoreError):
    """The console query was stopped for using too much memory (or crashed its worker)."""


ERRORS = {cls.__name__: cls for cls in (StoreError, QueryTimeout, ReadOnlyViolation, StoreUnavailable,
                                        QueryResourceLimit)}
# How the engines say "out of memory": LadybugDB under RLIMIT_AS, Neo4j's heap and transaction memory pool.
OUT_OF_MEMORY = ("bad_alloc", "OutOfMemory", "MemoryPool", "Unable to allocate", "out of memory")


# One started, idle worker per backend in long-running callers (the app): its imports (1-2 s of CPU)
# are done before the next query comes.  A worker serves one query and exits.
_spares: dict[str, subprocess.Popen] = {}


def _spawn(backend: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.Popen([sys.executable, "-m", "queries.console_runner", backend], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT), env=env)


def _worker(backend: str, warm: bool) -> subprocess.Popen:
    spare = _spares.pop(backend, None)
    if spare is None or spare.poll() is not None:
        spare = _spawn(backend)
    if warm:
        _spares[backend] = _spawn(backend)
    return spare


@atexit.register
def _stop_spares() -> None:
    for spare in _spares.values():
        if spare.poll() is None:
            spare.kill()
            spare.wait()
    _spares.clear()


def run_bounded(store: Store, text: str, params: dict[str, Any], *, row_cap: int, timeout: float,
                memory_mb: int | None = None, result_mb: float | None = None, warm: bool = True) -> dict[str, Any]:
    """Run one (already checked) query in a bounded child; ``{"rows", "truncated", "cut"}`` or a StoreError.

    ``warm``: leave a started worker for the next query (for long-running callers, not the CLI)."""
    memory_mb = memory_mb or MEMORY_MB
    result_bytes = int((result_mb or RESULT_MB) * MB)
    request = {"store": store.connection_spec(), "text": text, "params": params, "row_cap": row_cap,
               "timeout": timeout, "result_bytes": result_bytes, "memory_mb": memory_mb}
    child = _worker(store.backend, warm)
    out, err = bytearray(), bytearray()
    readers = [threading.Thread(target=_drain, args=(child.stdout, out, result_bytes + MB, child), daemon=True),
               threading.Thread(target=_drain, args=(child.stderr, err, 64 * 1024, None), daemon=True)]
    for reader in readers:
        reader.start()
    try:
        child.stdin.write(json.dumps(request).encode())
        child.stdin.close()
    except BrokenPipeError:
        pass
    stopped = _watch(child, deadline=time.monotonic() + timeout + STARTUP_GRACE, memory_mb=memory_mb)
    for reader in readers:
        reader.join(5)
    if stopped == "time":
        raise QueryTimeout(f"query stopped by the timeout ({timeout:g} s) / 查询超时，已停止")
    if stopped == "memory":
        raise QueryResourceLimit(f"query stopped: it needed more than {memory_mb} MB of memory / "
                                 f"查询所需内存超过 {memory_mb} MB，已停止")
    if len(out) > result_bytes + MB:
        raise QueryResourceLimit("query stopped: its result was larger than the cap / 查询结果过大，已停止")
    try:
        reply = pickle.loads(bytes(out))
    except Exception:
        reason = "out of memory" if child.returncode in (-9, -6) else f"exit code {child.returncode}"
        raise QueryResourceLimit(f"the query's worker stopped ({reason}) before answering / 查询进程异常退出: "
                                 f"{_last_line(err)}") from None
    if "error" in reply:
        raise ERRORS.get(reply["error"], StoreError)(reply["message"])
    return reply


def _drain(stream, into: bytearray, cap: int, child) -> None:
    """Read a pipe to its end, keeping at most ``cap`` bytes (over it, the child is killed)."""
    while True:
        chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
        if not chunk:
            return
        if len(into) <= cap:
            into.extend(chunk)
        if len(into) > cap and child is not None and child.poll() is None:
            child.kill()


def _watch(child: subprocess.Popen, *, deadline: float, memory_mb: int) -> str | None:
    """Wait for the child; kill it past the deadline or over the memory cap. Returns why it was stopped."""
    statm = Path(f"/proc/{child.pid}/statm")
    page = os.sysconf("SC_PAGE_SIZE")
    while child.poll() is None:
        reason = None
        if time.monotonic() > deadline:
            reason = "time"
        else:
            try:
                if int(statm.read_text().split()[1]) * page > memory_mb * MB:
                    reason = "memory"
            except (OSError, ValueError, IndexError):
                pass
        if reason:
            child.kill()
            child.wait()
            return reason
        time.sleep(0.02)
    return None


def _last_line(err: bytearray) -> str:
    lines = bytes(err).decode("utf-8", "replace").strip().splitlines()
    return lines[-1][:300] if lines else "no message"


# --- the child side ----------------------------------------------------------------------------

def _open(spec: dict[str, Any], memory_mb: int) -> Store:
    if spec["backend"] == "embedded":
        from graph.embedded import DB_FILE, EmbeddedStore
        size = (Path(spec["data_dir"]) / DB_FILE).stat().st_size
        max_db = 1 << max(30, (2 * size).bit_length())      # a power of two over twice the file
        _limit_address_space(max_db + (BUFFER_POOL_MB + memory_mb) * MB + 1024 * MB)
        return EmbeddedStore(spec["data_dir"], read_only=True, lock_wait=0,
                             engine_limits={"buffer_pool_size": BUFFER_POOL_MB * MB, "max_db_size": max_db})
    from graph.neo4j_store import Neo4jStore
    _limit_address_space((memory_mb + 1536) * MB)
    return Neo4jStore(spec["uri"], spec["user"], spec["password"], spec["database"], read_only=True)


# Every kind of value the engine hands to Python, converted once before the lock-down: a conversion
# that imports a module on first use (INT128 and DECIMAL -> decimal) could not open it afterwards.
WARM_UP = ("RETURN to_int128(1) AS a, cast(1.5 AS DECIMAL(10, 2)) AS b, date('2020-01-01') AS c, "
           "timestamp('2020-01-01 00:00:00') AS d, cast('2020-01-01 00:00:00+02' AS TIMESTAMP_TZ) AS e, "
           "interval('1 day') AS f, gen_random_uuid() AS g, blob('ab') AS h, {k: [1.5]} AS i")


def _confine(store: Store) -> None:
    """No file for the query: the embedded worker locks itself down (queries.console_sandbox)."""
    if store.backend != "embedded":      # Neo4j reads files on its server: its own settings refuse them
        return
    if os.environ.get("CHAINGRAPH_CONSOLE_SANDBOX", "on") == "off":
        return
    from queries import console_sandbox
    import decimal  # noqa: F401
    list(store.stream(WARM_UP, {}))
    try:
        console_sandbox.lock_down()
    except console_sandbox.SandboxUnavailable as exc:
        raise StoreError(f"控制台无法在此系统上隔离文件访问，已拒绝运行 / the console cannot shut the embedded "
                         f"engine off from files here ({exc}); CHAINGRAPH_CONSOLE_SANDBOX=off runs it with the "
                         f"query guard alone") from None


def _limit_address_space(limit: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _child_main() -> None:
    # Import the store's module while idle (a spare worker waits here for its query).
    if sys.argv[1:] == ["embedded"]:
        import graph.embedded  # noqa: F401
    elif sys.argv[1:] == ["neo4j"]:
        import graph.neo4j_store  # noqa: F401
    data = sys.stdin.buffer.read()
    if not data:                         # the caller went away before asking anything
        return
    request = json.loads(data)
    out = sys.stdout.buffer
    try:
        store = _open(request["store"], request["memory_mb"])
        try:
            _confine(store)
            reply = _collect(store, request)
        finally:
            store.close()
    except (StoreError, MemoryError) as exc:
        if isinstance(exc, MemoryError) or any(word in str(exc) for word in OUT_OF_MEMORY):
            reply = {"error": "QueryResourceLimit",
                     "message": f"query stopped: out of memory / 查询内存不足，已停止 ({str(exc)[:200] or 'MemoryError'})"}
        else:
            reply = {"error": type(exc).__name__ if type(exc).__name__ in ERRORS else "StoreError",
                     "message": str(exc)}
    out.write(pickle.dumps(reply))
    out.flush()


def _collect(store: Store, request: dict[str, Any]) -> dict[str, Any]:
    rows, size, cut = [], 0, None
    for row in store.stream(request["text"], request["params"], timeout=request["timeout"]):
        if len(rows) >= request["row_cap"]:
            cut = "rows"
            break
        size += len(pickle.dumps(row))
        if size > request["result_bytes"]:
            cut = "bytes"
            break
        rows.append(row)
    return {"rows": rows, "truncated": cut is not None, "cut": cut}


if __name__ == "__main__":
    _child_main()
