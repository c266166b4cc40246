"""Empty native-format templates: headers (English and Chinese) and one example row per file."""
from __future__ import annotations

import csv
from pathlib import Path

from graph import schema
from graph.schema import Prop
from loaders.credit_code import check_character

EXAMPLES = {"str": "示例", "int": "1", "float": "0.5", "bool": "true", "date": "2025-06-30", "list": "甲|乙"}


def example(prop: Prop, owner: str) -> str:
    if prop.name == "id":
        return f"{owner.lower()}_001"
    if prop.allowed:
        return prop.allowed[0]
    if prop.name == "credit_code":
        return "91150000000000000" + check_character("91150000000000000")   # a well-formed 统一社会信用代码
    if prop.kind == "int" and prop.minimum is not None and prop.minimum > 1:
        return "2025"  # year-like columns
    return EXAMPLES[prop.kind]


def template_rows() -> dict[str, tuple[list[str], list[list[str]]]]:
    out = {}
    for label in schema.NODE_LABELS:
        props = [p for p in label.props if not p.derived_from]
        out[label.name] = ([p.name for p in props], [[example(p, label.name) for p in props]])
    # A firm cannot supply itself: a second example firm (another name and credit code) to point at.
    header, (row,) = out["Enterprise"]
    second = dict(zip(header, row), id="enterprise_002", name="示例二", short_name="示例二",
                  credit_code="91150000000000001" + check_character("91150000000000001"))
    out["Enterprise"] = (header, [row, [second[h] for h in header]])
    for rel in schema.REL_TYPES:
        a, b = rel.pairs[0]
        to = f"{b.lower()}_002" if a == b == "Enterprise" else f"{b.lower()}_001"
        out[rel.name] = (["from", "to", *[p.name for p in rel.props]],
                         [[f"{a.lower()}_001", to, *[example(p, rel.name) for p in rel.props]]])
    return out


def write_templates(out_dir: Path) -> list[Path]:
    import openpyxl
    out_dir.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    book.remove(book.active)
    paths = []
    for name, (header, example_rows) in template_rows().items():
        path = out_dir / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(example_rows)
        paths.append(path)
        sheet = book.create_sheet(name)
        sheet.append(header)
        for example_row in example_rows:
            sheet.append(example_row)
    xlsx = out_dir / "chaingraph-template.xlsx"
    book.save(xlsx)
    return paths + [xlsx]
