"""``chaingraph zone set|show|clear``: mark which firms are "ours" without editing source files
(loaders/zone.py holds the rules: matching, "set replaces the zone", all or nothing)."""
from __future__ import annotations

import json
import sys

import click

EXIT_INVALID = 2


@click.group()
def zone():
    """Which firms are in the zone (in_zone). 园区企业名单"""


@zone.command("set")
@click.option("--file", "path", required=True, help="CSV/TSV/XLSX/TXT list: ids, credit codes, stock codes or names.")
@click.option("--skip-unmatched", is_flag=True, help="Set the matched firms even if some entries match none or several.")
@click.pass_obj
def zone_set(obj, path, skip_unmatched):
    """Replace the zone with the firms in a list (every other firm becomes out-of-zone). 设置名单"""
    from pathlib import Path
    from loaders.readers import ReadError
    from loaders.zone import match, read_entries
    from security import audit, writes
    try:
        entries = read_entries(path)
    except (ReadError, OSError, UnicodeDecodeError) as exc:
        click.echo(f"{path}: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    with obj.store() as store:
        found = match(store, entries)
        click.echo(found.report(), err=True)
        if not found.ids or ((found.unmatched or found.ambiguous) and not skip_unmatched):
            click.echo("nothing was written / 未写入：fix the list or add --skip-unmatched", err=True)
            sys.exit(EXIT_INVALID)
        writes.zone(store, found.ids, who=audit.os_user(), data_dir=obj.home(), files=[Path(path)])
    click.echo(f"zone set / 园区企业名单已设置: {len(found.ids)} firms in-zone, every other firm out-of-zone")


@zone.command("show")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.pass_obj
def zone_show(obj, fmt):
    """List the in-zone firms. 查看名单"""
    from loaders.zone import show_zone
    with obj.store() as store:
        rows = show_zone(store)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['id']}\t{r['name']}\t{r['credit_code'] or ''}")
    click.echo(f"{len(rows)} in-zone firms / 家园区企业", err=True)


@zone.command("clear")
@click.option("--yes", is_flag=True, help="Really mark every firm out-of-zone.")
@click.pass_obj
def zone_clear(obj, yes):
    """Mark every firm out-of-zone. 清空名单"""
    from security import audit, writes
    if not yes:
        click.echo("zone clear marks every firm out-of-zone: add --yes to confirm", err=True)
        sys.exit(EXIT_INVALID)
    with obj.store() as store:
        writes.zone(store, [], who=audit.os_user(), data_dir=obj.home())
    click.echo("zone cleared / 已清空园区企业名单")
