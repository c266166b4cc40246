"""Security of the import (issue #11, items 4-7): a mapping cannot read files outside the folder being
loaded, a small file cannot make the reader take the machine (XLSX by its real cells, zip bomb, cell
bomb, wide CSV, problems capped per file), a mapping regex cannot hang the app (RE2), a mapping YAML
cannot explode (size and alias caps), and the upload limit is one value everywhere.

Runaway cases run in a subprocess watched by GUARD below: it kills the child
past 1.5 GB or 60 s (so the code before the fix fails these tests instead of taking the machine)
and reports the child's peak RSS (getrusage RUSAGE_CHILDREN)."""
from __future__ import annotations

import io
import json
import math
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest

from loaders.load import load_paths, validate_paths
from loaders.mapping import MappingError, load_mapping
from loaders.problems import LoadRejected, report
from tests.conftest import ROOT, neo4j_or_skip

SECRET = "TOPSECRET-7f3a"
PEAK_MB = 500

# Runs the command given as arguments, kills it past 1.5 GB resident or 60 s, then prints what it did
# and its peak RSS as the kernel counted it for the waited-for child.
GUARD = r"""
import json, resource, subprocess, sys, time
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
start, killed = time.monotonic(), None
import threading
out = {}
def drain(name, stream):
    out[name] = stream.read().decode("utf-8", "replace")
threads = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
for t in threads: t.start()
while proc.poll() is None:
    try:
        with open(f"/proc/{proc.pid}/status") as fh:
            rss = next(int(l.split()[1]) for l in fh if l.startswith("VmRSS:")) // 1024
    except (OSError, StopIteration):
        rss = 0
    if killed is None and (rss > 1500 or time.monotonic() - start > 60):
        killed = f"killed at {rss} MB after {time.monotonic() - start:.0f} s"
        proc.kill()
    time.sleep(0.05)
for t in threads: t.join()
print(json.dumps({"rc": proc.returncode, "out": out["out"], "err": out["err"], "killed": killed,
                  "seconds": time.monotonic() - start,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def guarded_cli(store_args: list[str], *args: str, env: dict | None = None) -> dict:
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    done = subprocess.run([sys.executable, "-c", GUARD, sys.executable, "-m", "cli", *store_args, *args],
                          cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=180)
    result = json.loads(done.stdout)
    assert result["killed"] is None, f"{result['killed']}: {result['err'][-2000:]}"
    return result


@pytest.fixture(params=["embedded", "neo4j"])
def cli_store(request, tmp_path) -> list[str]:
    """The CLI's store options for each backend (the CLI opens its own connection)."""
    if request.param == "neo4j":
        neo4j_or_skip()
        return ["--store", "neo4j"]
    return ["--store", "embedded", "--data-dir", str(tmp_path / "cli-db")]


def counts(store) -> dict:
    return store.counts()


# ---------------------------------------------------------------- 4. mapping sources stay inside

def _outside_setup(tmp_path: Path, file_entry: str) -> tuple[Path, Path]:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.csv").write_text(f"id\n{SECRET}\n", encoding="utf-8")
    upload = tmp_path / "upload"
    upload.mkdir(exist_ok=True)
    (upload / "ok.csv").write_text("code,name\nsec_1,企业甲\n", encoding="utf-8")
    mapping = upload / "mapping.yaml"
    mapping.write_text(
        "sources:\n"
        "  - file: ok.csv\n    label: Enterprise\n    id: code\n    properties: {name: name}\n"
        f"  - file: '{file_entry}'\n    label: Enterprise\n    id: {{column: id, regex: '^never$'}}\n",
        encoding="utf-8")
    return upload, mapping


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_mapping_cannot_read_files_outside_the_folder(store, tmp_path, how):
    entry = {"dotdot": "../outside/secret.csv", "absolute": str(tmp_path / "outside" / "secret.csv"),
             "symlink": "link.csv"}[how]
    upload, mapping = _outside_setup(tmp_path, entry)
    if how == "symlink":
        (upload / "link.csv").symlink_to(tmp_path / "outside" / "secret.csv")
    before = counts(store)
    plan = validate_paths(store, [upload], mapping=mapping)
    problems = plan.all_problems()
    text = report(problems)
    assert SECRET not in text, "a file outside the folder was read and echoed"
    refused = [p for p in problems if p.file == "mapping.yaml" and p.column == "sources[2] file"]
    assert refused and "outside the folder" in refused[0].reason and "导入文件夹" in refused[0].reason, text
    with pytest.raises(LoadRejected) as rejected:
        load_paths(store, [upload], mapping=mapping)
    assert SECRET not in str(rejected.value)
    assert counts(store) == before, "nothing is written"


def test_mapping_may_name_files_in_subfolders(store, tmp_path):
    upload = tmp_path / "upload"
    (upload / "sub").mkdir(parents=True)
    (upload / "sub" / "firms.csv").write_text("code,name\nsec_9,企业乙\n", encoding="utf-8")
    (upload / "mapping.yaml").write_text(
        "sources:\n  - file: sub/../sub/firms.csv\n    label: Enterprise\n    id: code\n    properties: {name: name}\n",
        encoding="utf-8")
    load_paths(store, [upload], mapping=upload / "mapping.yaml")
    assert store.read("MATCH (e:Enterprise {id: 'sec_9'}) RETURN e.name AS n") == [{"n": "企业乙"}]


def test_cli_refuses_an_outside_mapping_source_with_exit_2(cli_store, tmp_path):
    upload, mapping = _outside_setup(tmp_path, "../outside/secret.csv")
    out = subprocess.run([sys.executable, "-m", "cli", *cli_store, "validate", str(upload), "--mapping", str(mapping)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.returncode == 2, out.stderr
    assert "mapping.yaml:sources[2] file:" in out.stderr and "导入文件夹" in out.stderr
    assert SECRET not in out.stderr + out.stdout


# ---------------------------------------------------------------- 5. bounded reading

def _xlsx_bytes(build) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Enterprise"
    build(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _patch_zip(data: bytes, member: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


def test_xfd1048576_workbook_is_refused_within_bounded_memory(cli_store, tmp_path):
    path = tmp_path / "Enterprise.xlsx"
    path.write_bytes(_xlsx_bytes(lambda ws: ws.__setitem__("XFD1048576", "x")))
    assert path.stat().st_size < 10_000
    result = guarded_cli(cli_store, "validate", str(path))
    assert result["rc"] == 2, result["err"][-2000:]
    assert "Enterprise.xlsx[Enterprise]:1048576:XFD1048576:" in result["err"], result["err"][-2000:]
    assert "over the limit of 1000 columns (CHAINGRAPH_MAX_COLUMNS)" in result["err"] and "超过列数上限" in result["err"]
    assert result["peak_mb"] < PEAK_MB, result


def test_a_workbook_claiming_the_whole_sheet_loads_its_real_cells(store, tmp_path):
    """The <dimension> says A1:XFD1048576, the cells are a small table: read only those."""
    def table(ws):
        ws.append(["id", "name", "in_zone"])
        ws.append(["dim_1", "企业丙", True])
    data = _patch_zip(_xlsx_bytes(table), "xl/worksheets/sheet1.xml",
                      lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    path = tmp_path / "Enterprise.xlsx"
    path.write_bytes(data)
    load_paths(store, [path])
    assert store.read("MATCH (e:Enterprise {id: 'dim_1'}) RETURN e.name AS n") == [{"n": "企业丙"}]


def test_zip_bomb_workbook_is_refused_before_unzipping(store, tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINGRAPH_MAX_UNZIPPED_MB", "2")
    def table(ws):
        ws.append(["id", "name", "in_zone"])
        ws.append(["zip_1", "企业丁", True])
    padding = b" " * (3 * 2**20)             # 3 MB of spaces: a few KB once deflated
    data = _patch_zip(_xlsx_bytes(table), "xl/worksheets/sheet1.xml",
                      lambda xml: xml.replace(b"</worksheet>", padding + b"</worksheet>"))
    path = tmp_path / "Enterprise.xlsx"
    path.write_bytes(data)
    assert path.stat().st_size < 100_000
    problems = validate_paths(store, [path]).all_problems()
    assert len(problems) == 1 and problems[0].file == "Enterprise.xlsx", problems
    assert "over the limit of 2 MB (CHAINGRAPH_MAX_UNZIPPED_MB" in problems[0].reason
    assert "xl/worksheets/sheet1.xml" in problems[0].reason and "解压后过大" in problems[0].reason


def test_cell_longer_than_excel_allows_is_refused_naming_the_cell(store, tmp_path):
    def table(ws):
        ws.append(["id", "name", "in_zone"])
        ws.append(["long_1", "PLACEHOLDER", True])
    # openpyxl truncates what it writes at Excel's limit: put the long text in the sheet's XML.
    data = _patch_zip(_xlsx_bytes(table), "xl/worksheets/sheet1.xml",
                      lambda xml: xml.replace(b"PLACEHOLDER", ("长" * 40_000).encode("utf-8")))
    path = tmp_path / "Enterprise.xlsx"
    path.write_bytes(data)
    before = counts(store)
    problems = validate_paths(store, [path]).all_problems()
    assert [(p.file, p.row, p.column) for p in problems] == [("Enterprise.xlsx[Enterprise]", 2, "B2")], problems
    assert "40000 characters: over the limit of 32767" in problems[0].reason and "单元格字符数" in problems[0].reason
    with pytest.raises(LoadRejected):
        load_paths(store, [path])
    assert counts(store) == before


def test_a_100k_column_csv_stops_at_the_column_limit(cli_store, tmp_path):
    path = tmp_path / "Enterprise.csv"
    path.write_text(",".join(["id", "name"] + [f"c{i}" for i in range(100_000)]) + "\n"
                    + ",".join(["w_1", "企业"] + ["v"] * 100_000) + "\n", encoding="utf-8")
    result = guarded_cli(cli_store, "validate", str(path))
    assert result["rc"] == 2
    lines = result["err"].strip().splitlines()
    assert lines[0] == ("Enterprise.csv:1: 100002 columns, over the limit of 1000 columns (CHAINGRAPH_MAX_COLUMNS) "
                        "/ 列数 100002 超过上限 1000"), lines[:3]
    assert len(lines) < 10
    assert result["peak_mb"] < PEAK_MB, result


def test_problems_stop_after_n_per_file_with_and_k_more(store, tmp_path):
    wide = tmp_path / "Enterprise.csv"
    wide.write_text(",".join(["id", "name", "in_zone"] + [f"x{i}" for i in range(598)]) + "\nk_1,企业,true"
                    + "," * 598 + "\n",
                    encoding="utf-8")
    rows = tmp_path / "企业.csv"
    rows.write_text("id,name,in_zone\n" + "".join(f"p{i},企业{i},maybe\n" for i in range(250)), encoding="utf-8")
    problems = validate_paths(store, [wide, rows]).all_problems()
    assert len(problems) == 598 + 250
    text = report(problems)
    assert text.count("Enterprise.csv:1:x") == 100
    assert "Enterprise.csv: … and 498 more problem(s) in this file / 在此文件中另有 498 个问题" in text
    assert text.count("企业.csv:") == 101
    assert "企业.csv: … and 150 more problem(s) in this file / 在此文件中另有 150 个问题" in text
    assert f"{598 + 250} problem(s) in 2 file(s)" in text


# ---------------------------------------------------------------- 6. regexes without backtracking

def test_a_catastrophic_regex_returns_fast(cli_store, tmp_path):
    (tmp_path / "codes.csv").write_text("code\n" + "a" * 40 + "!\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - file: codes.csv\n    label: Enterprise\n"
                       "    id: {column: code, regex: '^(a+)+$'}\n", encoding="utf-8")
    result = guarded_cli(cli_store, "validate", str(tmp_path / "codes.csv"), "--mapping", str(mapping))
    assert result["rc"] == 2
    assert "codes.csv:2:code: " in result["err"] and "does not match the pattern '^(a+)+$'" in result["err"]


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)a", "(" * 2000])
def test_patterns_re2_cannot_run_are_a_clear_mapping_error(store, tmp_path, pattern):
    (tmp_path / "codes.csv").write_text("code\nabc\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - file: codes.csv\n    label: Enterprise\n"
                       f"    id: {{column: code, regex: {json.dumps(pattern)}}}\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"mapping\.yaml: sources\[1\]: id: bad regex .*正则表达式"):
        load_mapping(mapping)
    problems = validate_paths(store, [tmp_path / "codes.csv"], mapping=mapping).all_problems()
    assert len(problems) == 1 and problems[0].file == "mapping.yaml" and "bad regex" in problems[0].reason


# ---------------------------------------------------------------- 7. mapping file caps

BILLION_LAUGHS = "\n".join(
    ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    + ["sources:", "  - file: codes.csv", "    label: Enterprise", "    id: code"])


@pytest.mark.parametrize("case", ["billion laughs", "recursive alias", "too large"])
def test_mapping_yaml_bombs_are_refused(store, tmp_path, case):
    (tmp_path / "codes.csv").write_text("code\nyb_1\n", encoding="utf-8")
    text = {"billion laughs": BILLION_LAUGHS,
            "recursive alias": "loop: &a [1, *a]\nsources:\n  - file: codes.csv\n    label: Enterprise\n    id: code\n",
            "too large": "# padding\n" * 120_000 + "sources:\n  - file: codes.csv\n    label: Enterprise\n    id: code\n",
            }[case]
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(text, encoding="utf-8")
    expected = {"billion laughs": "more than 100000 values", "recursive alias": "recursive alias",
                "too large": "larger than 1024 KB (CHAINGRAPH_MAX_MAPPING_KB)"}[case]
    before = counts(store)
    problems = validate_paths(store, [tmp_path / "codes.csv"], mapping=mapping).all_problems()
    assert len(problems) == 1 and problems[0].file == "mapping.yaml", problems
    assert expected in problems[0].reason and "映射" in problems[0].reason, problems[0].reason
    with pytest.raises(LoadRejected):
        load_paths(store, [tmp_path / "codes.csv"], mapping=mapping)
    assert counts(store) == before


def test_aliases_in_a_normal_mapping_still_work(store, tmp_path):
    (tmp_path / "codes.csv").write_text("code,name\nal_1,企业戊\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  - file: codes.csv\n    label: Enterprise\n    id: &code {column: code, prefix: 'x:'}\n"
                       "    properties: {name: name}\n  - file: codes.csv\n    label: Enterprise\n    id: *code\n",
                       encoding="utf-8")
    plan = validate_paths(store, [tmp_path / "codes.csv"], mapping=mapping)
    assert not [p for p in plan.all_problems() if "mapping" in p.file], plan.all_problems()


# ---------------------------------------------------------------- 7. one upload limit everywhere

def test_upload_limit_is_one_value_in_every_launcher():
    from loaders.limits import LIMITS
    default = LIMITS["upload_mb"][1]
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == default
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f"CHAINGRAPH_MAX_UPLOAD_MB={default} STREAMLIT_SERVER_MAX_UPLOAD_SIZE={default}" in dockerfile
    assert "COPY .streamlit" in dockerfile
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert f"CHAINGRAPH_MAX_UPLOAD_MB: ${{CHAINGRAPH_MAX_UPLOAD_MB:-{default}}}" in compose
    assert f"STREAMLIT_SERVER_MAX_UPLOAD_SIZE: ${{CHAINGRAPH_MAX_UPLOAD_MB:-{default}}}" in compose
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"CHAINGRAPH_MAX_UPLOAD_MB ?= {default}" in makefile
    assert "export STREAMLIT_SERVER_MAX_UPLOAD_SIZE = $(CHAINGRAPH_MAX_UPLOAD_MB)" in makefile


@pytest.mark.parametrize("env_mb, expected", [("7", 7), ("0.01", 1), ("500", 50)])
def test_the_upload_widget_announces_the_real_limit(monkeypatch, tmp_path, env_mb, expected):
    """The widget's limit is the app's (rounded up to whole MB, the widget's unit), never more than
    the server's maxUploadSize (50 in .streamlit/config.toml)."""
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("CHAINGRAPH_STORE", "embedded")
    monkeypatch.setenv("CHAINGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHAINGRAPH_DEFAULT_PAGE", "import")
    monkeypatch.setenv("CHAINGRAPH_MAX_UPLOAD_MB", env_mb)
    monkeypatch.chdir(ROOT)
    from streamlit import config
    monkeypatch.setattr(config, "_config_options", None)     # re-read .streamlit/config.toml from ROOT
    from security import users
    users.add(tmp_path / "data", "ed", "editor", "editor-pass")     # the uploaders are for editors
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.text_input(key="auth_name").set_value("ed")
        at.text_input(key="auth_password").set_value("editor-pass")
        at.button(key="auth_submit").click().run()
        assert not at.exception, [e.message for e in at.exception]
        uploaders = [el for el in at.get("file_uploader")]
        assert len(uploaders) == 2
        assert uploaders[0].proto.max_upload_size_mb == expected
        assert uploaders[1].proto.max_upload_size_mb == math.ceil(1024 / 1024)   # the mapping: 1 MB
    finally:
        from app_pages.common import _store
        _store.clear()


@pytest.mark.parametrize("case", ["csv cell", "csv field limit", "jsonl keys", "jsonl depth"])
def test_text_files_stop_at_their_limits_with_a_clear_message(store, tmp_path, monkeypatch, case):
    if case == "csv cell":
        path = tmp_path / "Enterprise.csv"
        path.write_text("id,name,in_zone\nc_1," + "长" * 40_000 + ",true\n", encoding="utf-8")
        expected = ("Enterprise.csv", 2, "a cell of 40000 characters, over the limit of 32767 "
                                         "(CHAINGRAPH_MAX_CELL_CHARS) / 单元格字符数超过上限 32767")
    elif case == "csv field limit":      # past Python's csv limit: stopped by the csv module itself
        monkeypatch.setenv("CHAINGRAPH_MAX_CELL_CHARS", "1000000")
        path = tmp_path / "Enterprise.csv"
        path.write_text('id,name,in_zone\nc_1,"' + "长" * 200_000 + '",true\n', encoding="utf-8")
        expected = ("Enterprise.csv", 2, "a cell longer than 131072 characters / 单元格内容过长")
    elif case == "jsonl keys":
        path = tmp_path / "Enterprise.jsonl"
        path.write_text(json.dumps({"id": "j_1", **{f"k{i}": 1 for i in range(2000)}}) + "\n", encoding="utf-8")
        expected = ("Enterprise.jsonl", 1, "2001 columns, over the limit of 1000 columns (CHAINGRAPH_MAX_COLUMNS) "
                                           "/ 列数 2001 超过上限 1000")
    else:
        path = tmp_path / "Enterprise.jsonl"
        path.write_text('{"id": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
        expected = ("Enterprise.jsonl", 1, "JSON nested too deeply / JSON 嵌套过深")
    before = counts(store)
    problems = validate_paths(store, [path]).all_problems()
    assert [(p.file, p.row, p.reason) for p in problems] == [expected]
    assert counts(store) == before
