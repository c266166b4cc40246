"""``chaingraph``: the command line over the same library the app uses.

Exit codes: 0 ok; 1 store error (unreachable, locked…); 2 invalid input (report on stderr);
3 a console query refused as not read-only.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from graph import BACKENDS, open_store
from graph.store import StoreError, redact

EXIT_STORE, EXIT_INVALID, EXIT_REFUSED = 1, 2, 3


class Context:
    def __init__(self, backend: str | None, data_dir: str | None):
        self.backend, self.data_dir = backend, data_dir

    def home(self) -> Path:
        """Where users, the audit log and snapshots live (for both stores): --data-dir or its default."""
        from graph.embedded import default_data_dir
        return Path(self.data_dir) if self.data_dir else default_data_dir()

    def store(self, read_only: bool = False):
        options = {"data_dir": self.data_dir} if self.data_dir else {}
        try:
            return open_store(self.backend, read_only=read_only, **options)
        except StoreError as exc:
            fail(str(exc), EXIT_STORE)


def fail(message: str, code: int) -> None:
    click.echo(redact(message), err=True)   # never a URI's user:password@
    sys.exit(code)


def emit(rows: list[dict], fmt: str) -> None:
    """Print rows as an aligned table (fits the terminal, CJK aligned), strict JSON or CSV."""
    from cli_output import dumps, table
    if fmt == "json":
        click.echo(dumps(rows))
        return
    import pandas as pd
    frame = pd.DataFrame(rows, dtype=object)
    if fmt == "csv":   # formula-safe: text cells starting with = + - @ get a leading ' (spreadsheet_safe)
        from loaders.spreadsheet_safe import safe_frame
        click.echo(safe_frame(frame).to_csv(index=False), nl=False)
    else:
        click.echo(table(rows))


def emit_result(name: str, result, fmt: str) -> None:
    """One analysis: its rows, the extra tables that belong to it (what_if's leads_changed) and,
    when a cap cut the answer, how many rows are not shown — in every format."""
    from cli_output import dumps, table
    rows = result.table.to_dict("records")
    sections = {key: result.extra[key].to_dict("records") for key in result.sections}
    info = {k: v for k, v in result.extra.items()
            if (v is None or isinstance(v, (bool, int, float, str))) and k not in sections}
    note = ""
    if info.get("truncated"):   # total None: a capped part whose full size is not counted
        total, cap = info.get("total"), info.get("cap")
        note = (f"另有 {total - len(rows)} 条未显示（每个方向最多 {cap} 条）/ {total - len(rows)} more not shown "
                f"(cap {cap} per direction)" if total is not None else
                f"已达上限（每个方向最多 {cap} 条），更多未显示 / cap {cap} per direction reached: more not shown")
        if info.get("countable"):
            note += " — 统计全部: --param count_all=true / to count them: --param count_all=true"
    if fmt == "json":
        click.echo(dumps({"analysis": name, "rows": rows, **sections, **info}))
        return
    if fmt == "csv":
        emit(rows, fmt)
        for key, section in sections.items():   # CSV holds one table: the others go to stderr
            click.echo(f"({key}: {len(section)} rows, see --format json / 见 JSON 输出)", err=True)
        if note:
            click.echo(note, err=True)
        return
    click.echo(table(_chinese_first(rows)))
    for key, section in sections.items():
        click.echo(f"\n{key}:")
        click.echo(table(section))
    if note:
        click.echo(note)


def _chinese_first(rows: list[dict]) -> list[dict]:
    """The text table without the English twin of a column the table has (paths_en beside paths): the
    terminal's width is better spent on the names.  JSON and CSV keep every column."""
    columns = set(rows[0]) if rows else set()
    twins = {c for c in columns if c.endswith("_en") and c[:-3] in columns}
    return [{k: v for k, v in r.items() if k not in twins} for r in rows] if twins else rows


def parse_params(pairs: tuple[str, ...]) -> dict:
    """``key=value`` pairs; a value that parses as JSON (numbers, true, lists) is taken as such."""
    params = {}
    for pair in pairs:
        if "=" not in pair:
            fail(f"--param {pair!r}: expected key=value", EXIT_INVALID)
        key, value = pair.split("=", 1)
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "backend", type=click.Choice(BACKENDS), default=None, envvar="CHAINGRAPH_STORE",
              help="Which store: embedded (LadybugDB, default) or neo4j (NEO4J_URI…).")
@click.option("--data-dir", default=None, envvar="CHAINGRAPH_DATA_DIR",
              help="Embedded store's data directory (default ./.chaingraph).")
@click.pass_context
def main(ctx, backend, data_dir):
    """ChainGraph 产业链图谱: load, check, query and export an industrial-chain graph."""
    ctx.obj = Context(backend, data_dir)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def stats(obj: Context, fmt):
    """Node counts per label and relationship counts per type. 统计"""
    with obj.store(read_only=False) as store:
        counts = store.counts()
        where = store.describe()
    if fmt == "json":
        click.echo(json.dumps({"store": where, **counts}, ensure_ascii=False, indent=2))
        return
    click.echo(where)
    for kind in ("nodes", "relationships"):
        click.echo(f"\n{kind}:")
        for name, n in counts[kind].items():
            click.echo(f"  {name:<16}{n:>10}")


@main.command()
@click.option("--repair", is_flag=True, help="Recompute and store them (audited) when they differ.")
@click.pass_obj
def check(obj: Context, repair):
    """Recompute the maintained aggregates (the leads' and the zone's figures) and compare them with the
    stored ones; exit 1 when they differ. 一致性检查"""
    from queries.lead_aggregates import check as differences
    with obj.store(read_only=not repair) as store:
        problems = differences(store)
        if problems and repair:
            from security import audit, writes
            writes.refresh_aggregates(store, who=audit.os_user(), data_dir=obj.home(), differences=problems)
            problems = differences(store)
            click.echo("聚合已重算 / aggregates recomputed")
    if problems:
        click.echo("维护的聚合（招商线索、园区总览）与图不一致 / the maintained aggregates (leads, zone figures) differ from the graph:", err=True)
        for line in problems:
            click.echo(f"  {line}", err=True)
        sys.exit(1)
    click.echo("一致 / consistent: the maintained aggregates (leads, zone figures) match a recomputation")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--mapping", default=None, help="YAML mapping file for a layout other than the native one.")
@click.option("--encoding", default=None, help="Force a text encoding (utf-8, gbk, gb18030…).")
@click.option("--sheet", default=None, help="Read only this sheet of each workbook.")
@click.option("--header-row", type=click.IntRange(min=1), default=None,
              help="Row number of the header when a title row is above it (default: the first non-blank row).")
@click.pass_obj
def validate(obj: Context, paths, mapping, encoding, sheet, header_row):
    """Check files without writing anything. 校验"""
    from loaders.load import validate_paths
    from loaders.problems import report
    with obj.store() as store:
        plan = validate_paths(store, list(paths), encoding=encoding, sheet=sheet, mapping=mapping,
                              header_row=header_row)
    problems = plan.all_problems()
    if problems:
        fail(report(problems).replace("nothing was written", "nothing was written (validate never writes)"),
             EXIT_INVALID)
    rows = plan.row_counts()
    click.echo("valid / 校验通过: " + ", ".join(f"{k} {v}" for k, v in rows.items()))


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--mapping", default=None, help="YAML mapping file for a layout other than the native one.")
@click.option("--skip-invalid", is_flag=True,
              help="Write the valid rows; rejected rows go to reject files you can fix and load again.")
@click.option("--rejects-dir", default=None,
              help="Folder for the reject files (default: a new ./rejects-<time>/; never an input folder).")
@click.option("--encoding", default=None, help="Force a text encoding (utf-8, gbk, gb18030…).")
@click.option("--sheet", default=None, help="Read only this sheet of each workbook.")
@click.option("--header-row", type=click.IntRange(min=1), default=None,
              help="Row number of the header when a title row is above it (default: the first non-blank row).")
@click.option("--blank-overwrites", is_flag=True,
              help="Let an empty cell erase a value already stored (refused otherwise).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def load(obj: Context, paths, mapping, skip_invalid, rejects_dir, encoding, sheet, header_row, blank_overwrites, fmt):
    """Validate, then load files in one transaction (all or nothing); snapshot before, audit after. 导入"""
    from rich.progress import Progress
    from loaders.problems import LoadRejected, report
    from security import audit, writes
    interactive = sys.stderr.isatty()
    with obj.store() as store, Progress(transient=True, disable=not interactive) as bar:
        task = bar.add_task("reading and validating", total=None)
        if not interactive:
            click.echo("reading and validating / 读取并校验…", err=True)
        shown = {"tenth": -1}

        def progress(what, done, total):
            from loaders.load import AGGREGATES
            if what == AGGREGATES:      # rows are written: the lead aggregates are computed now
                bar.update(task, description=f"computing {what}", completed=None, total=None)
                if not interactive:
                    click.echo(f"computing {what}…", err=True)
                return
            bar.update(task, description=f"writing {what}", completed=done, total=total)
            tenth = done * 10 // max(total, 1)
            if not interactive and tenth > shown["tenth"]:   # plain lines for logs and scripts
                shown["tenth"] = tenth
                click.echo(f"writing {what}: {done}/{total} rows ({done * 100 // max(total, 1)}%)", err=True)
        try:
            summary, _ = writes.load(store, list(paths), who=audit.os_user(), data_dir=obj.home(),
                                     blank_overwrites=blank_overwrites, skip_invalid=skip_invalid, encoding=encoding,
                                     sheet=sheet, mapping=mapping, progress=progress, rejects_dir=rejects_dir,
                                     header_row=header_row)
        except LoadRejected as exc:
            fail(report(exc.problems, limit=200), EXIT_INVALID)
    click.echo(f"{sum(summary.rows.values())} rows validated {summary.method} in {summary.validate_s:.1f} s, "
               f"written in {summary.write_s:.1f} s / 校验{'(列式)' if summary.method == 'columnar' else '(逐行)'}并写入",
               err=True)
    if summary.rejected:
        click.echo(report(summary.rejected, limit=50).replace(
            "nothing was written", "these rows were skipped").replace("未写入任何数据", "已跳过这些行"), err=True)
        for path in summary.reject_files:
            click.echo(f"rejected rows written to {path} (fix and load again / 修正后可重新导入)", err=True)
    for line in match_report(summary) + summary.changes.lines():   # a re-load that overwrote values says so
        click.echo(line, err=True)
    emit(summary.table(), fmt)


def match_report(summary) -> list[str]:
    """Notes (merged duplicates, normalised codes) and how firm rows matched stored firms, for stderr."""
    from collections import Counter
    lines = []
    if summary.notes:
        lines += [str(n) for n in summary.notes[:20]]
        if len(summary.notes) > 20:
            lines.append(f"… and {len(summary.notes) - 20} more")
        lines.append(f"{len(summary.notes)} note(s): rows merged or values normalised, all loaded / "
                     f"{len(summary.notes)} 条提示：重复行已合并或取值已规范，均已导入")
    if summary.matches:
        counts = Counter(m.status for m in summary.matches)
        lines.append("firms / 企业: " + ", ".join(f"{counts[s]} {s}" for s in ("matched", "new", "ambiguous", "rejected")
                                                 if counts[s]) + " (matched = already in the graph / 已在图中)")
        for m in [m for m in summary.matches if m.status == "ambiguous" or m.how in ("credit_code", "name")][:50]:
            lines.append(f"  {m.file}:{m.row}: {m.name} → {m.status}"
                         + (f" by {m.how}: {m.existing}" if m.existing else ""))
    return lines


@main.command()
@click.option("--yes", is_flag=True, help="Really delete every node and relationship.")
@click.pass_obj
def clear(obj: Context, yes):
    """Delete everything in the store (a snapshot is taken first: `restore` undoes it). 清空"""
    from security import audit, writes
    if not yes:
        fail("clear deletes every node and relationship: add --yes to confirm", EXIT_INVALID)
    with obj.store() as store:
        entry = writes.clear(store, who=audit.os_user(), data_dir=obj.home())
    click.echo(f"cleared / 已清空 (snapshot {entry['snapshot']})")


@main.command()
@click.argument("snapshot", required=False)
@click.option("--list", "list_", is_flag=True, help="List the snapshots, newest first.")
@click.pass_obj
def restore(obj: Context, snapshot, list_):
    """Give back the graph of a snapshot (default: the newest, taken before the last write). 恢复"""
    from security import audit, snapshots, writes
    if list_:
        for name in snapshots.list_snapshots(obj.home()):
            click.echo(name)
        return
    with obj.store() as store:
        try:
            entry = writes.restore(store, who=audit.os_user(), data_dir=obj.home(), name=snapshot)
        except snapshots.SnapshotError as exc:
            fail(str(exc), EXIT_INVALID)
    click.echo(f"restored / 已恢复 {entry['restored']} (the replaced state is snapshot {entry['snapshot']})")


@main.command("audit")
@click.option("--limit", default=20, show_default=True, help="Newest entries to show.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def audit_log(obj: Context, limit, fmt):
    """The audit log: who wrote what, when, newest first. 审计日志"""
    from security import audit
    rows = audit.entries(obj.home(), limit)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    emit([{"time": e.get("time"), "who": e.get("who"), "action": e.get("action"),
           "files": ", ".join(f["name"] for f in e.get("files", [])),
           "changes": e.get("changes_total", "")} for e in rows], fmt)


@main.group()
def user():
    """Users of the app and their roles: viewer, editor (import), admin (clear, restore, users). 用户"""


def _users_call(fn, *args):
    from security.users import UserError
    try:
        return fn(*args)
    except UserError as exc:
        fail(str(exc), EXIT_INVALID)


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@click.option("--oidc", is_flag=True, help="No password: the user logs in through the identity provider.")
@click.pass_obj
def user_add(obj: Context, name, role, password_stdin, oidc):
    """Create a user (the first admin: `chaingraph user add NAME --role admin`)."""
    from security import users
    if oidc:
        password = None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("password / 密码", hide_input=True, confirmation_prompt=True)
    _users_call(users.add, obj.home(), name, role, password)
    click.echo(f"user {name} added as {role} in {users.users_path(obj.home())}")


@user.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def user_list(obj: Context, fmt):
    """Users and roles (never a password or hash)."""
    from security import users
    emit([{"name": u.name, "role": u.role} for u in _users_call(users.list_users, obj.home())], fmt)


@user.command("remove")
@click.argument("name")
@click.pass_obj
def user_remove(obj: Context, name):
    from security import users
    _users_call(users.remove, obj.home(), name)
    click.echo(f"user {name} removed")


@user.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(["viewer", "editor", "admin"]))
@click.pass_obj
def user_set_role(obj: Context, name, role):
    from security import users
    _users_call(users.set_role, obj.home(), name, role)
    click.echo(f"user {name} is now {role}")


@main.command()
@click.argument("out_dir")
@click.pass_obj
def export(obj: Context, out_dir):
    """Write the graph in the native format (loads back to the same graph). 导出"""
    from loaders.export import export_graph
    with obj.store() as store:
        written = export_graph(store, Path(out_dir))
    click.echo(f"exported {sum(written.values())} rows in {len(written)} files to {out_dir}")


@main.command()
@click.argument("out_dir")
def template(out_dir):
    """Write empty native-format templates (CSV and XLSX) with one example row each. 模板"""
    from loaders.template import write_templates
    paths = write_templates(Path(out_dir))
    click.echo(f"wrote {len(paths)} templates to {out_dir}")


@main.command()
@click.argument("chains", nargs=-1)
@click.option("--out", "out_dir", required=True, help="Folder for the files (created if missing).")
@click.option("--all", "all_chains", is_flag=True, help="One briefing per chain in the graph.")
@click.option("--format", "formats", multiple=True, type=click.Choice(["docx", "pdf", "png"]),
              help="Which files (repeatable; default docx and pdf).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--weak-threshold", default=2, show_default=True, help="Weak below this many in-zone firms.")
@click.pass_obj
def briefing(obj: Context, chains, out_dir, all_chains, formats, lang, weak_threshold):
    """A chain's briefing (全景图 + key firms, gaps, leads, projects, demands) as Word/PDF. 一链一图多清单"""
    from reports.briefing import build
    from reports.docx_writer import to_docx
    from reports.panorama_cards import png_bytes
    from reports.pdf_writer import to_pdf
    writers = {"docx": to_docx, "pdf": to_pdf, "png": lambda b: png_bytes(b.panorama, b.lang)}
    out = Path(out_dir)
    with obj.store() as store:
        known = {r["id"]: r["name"] for r in store.read("MATCH (c:Chain) RETURN c.id AS id, c.name AS name")}
        by_name = {name: cid for cid, name in known.items()}
        wanted = sorted(known) if all_chains else [by_name.get(c, c) for c in chains]
        if not wanted:
            fail("name a chain (id or name) or give --all / 请指定产业链或使用 --all", EXIT_INVALID)
        unknown = [c for c in wanted if c not in known]
        if unknown:
            fail(f"unknown chain / 未知产业链: {', '.join(unknown)}; known: "
                 + ", ".join(f"{cid} ({name})" for cid, name in sorted(known.items())), EXIT_INVALID)
        out.mkdir(parents=True, exist_ok=True)
        for chain in wanted:
            b = build(store, chain, lang=lang, weak_threshold=weak_threshold)
            for fmt in formats or ("docx", "pdf"):
                path = out / b.filename(fmt)
                path.write_bytes(writers[fmt](b))
                click.echo(f"wrote {path}")


@main.command()
@click.argument("name", required=False)
@click.option("--param", "params", multiple=True, help="key=value (JSON values allowed), repeatable.")
@click.option("--list", "list_", is_flag=True, help="List the analyses and their parameters.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.pass_obj
def query(obj: Context, name, params, list_, fmt):
    """Run a named analysis from the query library. 分析"""
    from queries import registry
    if list_ or not name:
        if fmt == "table":
            from cli_output import analyses_text
            click.echo(analyses_text(registry.all_queries()))
            return
        emit([{"name": q.name, "title_zh": q.title_zh, "params": ", ".join(f"{p}={d!r}" for p, d in q.params.items()),
               "description": q.description} for q in registry.all_queries()], fmt)
        return
    try:
        spec = registry.get(name)
        kwargs = spec.coerce(parse_params(params))
    except (KeyError, ValueError) as exc:
        fail(str(exc).strip("'\""), EXIT_INVALID)
    with obj.store() as store:
        try:
            result = spec.run(store, **kwargs)
        except StoreError as exc:
            fail(str(exc), EXIT_STORE)
        except (KeyError, ValueError, TypeError) as exc:    # the user's input: unknown id or name, out of range…
            fail(str(exc).strip("'\""), EXIT_INVALID)
    emit_result(name, result, fmt)
    if result.table.empty and result.extra.get("why_empty"):
        click.echo(f"(no rows) {result.extra['why_empty']}", err=True)


@main.command()
@click.argument("cypher_text")
@click.option("--param", "params", multiple=True, help="key=value (JSON values allowed), repeatable.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
@click.option("--limit", default=1000, show_default=True, help="Row cap.")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds before the query is stopped.")
@click.option("--max-memory-mb", "memory_mb", default=None, type=int,
              help="Memory cap of the query's worker process (default CHAINGRAPH_CONSOLE_MEMORY_MB or 1024).")
@click.option("--max-result-mb", "result_mb", default=None, type=float,
              help="Result size cap (default CHAINGRAPH_CONSOLE_RESULT_MB or 5).")
@click.pass_obj
def cypher(obj: Context, cypher_text, params, fmt, limit, timeout, memory_mb, result_mb):
    """Run a read-only Cypher query (anything else is refused, exit code 3). 只读查询"""
    from queries.console import ConsoleRefused, check_read_only, run_console
    try:
        check_read_only(cypher_text)          # refused before the store is even opened
    except ConsoleRefused as exc:
        fail(f"refused / 已拒绝: {exc}", EXIT_REFUSED)
    with obj.store(read_only=True) as store:
        try:
            result = run_console(store, cypher_text, parse_params(params), row_cap=limit, timeout=timeout,
                                 memory_mb=memory_mb, result_mb=result_mb, warm=False)
        except ConsoleRefused as exc:
            fail(f"refused / 已拒绝: {exc}", EXIT_REFUSED)
        except StoreError as exc:
            fail(str(exc), EXIT_STORE)
    emit(result.rows, fmt)
    if result.cut == "bytes":
        click.echo("(result size cap reached: more rows not shown / 结果过大，其余行未显示)", err=True)
    elif result.truncated:
        click.echo(f"(row cap {limit} reached: more rows not shown)", err=True)


@main.command()
@click.option("--enterprises", default=1000, show_default=True, help="Number of enterprises.")
@click.option("--out", "out_dir", required=True, help="Folder for the native-format files.")
@click.option("--seed", default=1, show_default=True)
def generate(enterprises, out_dir, seed):
    """Write a synthetic zone at any scale, deterministic for a seed. 生成"""
    from loaders.generate import generate_zone
    counts = generate_zone(Path(out_dir), enterprises=enterprises, seed=seed)
    click.echo(json.dumps(counts, ensure_ascii=False))


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args):
    """Benchmarks (python -m bench): --quick, --scales, --stores, --repeat, --no-render. 基准测试"""
    from bench.__main__ import main as bench_main
    bench_main(list(args))


from loaders.zone_cli import zone  # noqa: E402  (the zone subcommands live in their own module)

main.add_command(zone)

if __name__ == "__main__":
    main()
