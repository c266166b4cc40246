"""A problem found in input, named the way a spreadsheet user finds it: file:row:column: reason."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column:
            where += f":{self.column}"
        return f"{where}: {self.reason}"


class LoadRejected(Exception):
    """Input had problems and nothing was written; ``problems`` lists all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(report(problems))


def report(problems: list[Problem], limit: int | None = None) -> str:
    shown = problems if limit is None else problems[:limit]
    lines = [str(p) for p in shown]
    if limit is not None and len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more")
    files = len({p.file for p in problems})
    lines.append(f"{len(problems)} problem(s) in {files} file(s); nothing was written. "
                 f"共 {len(problems)} 处问题，未写入任何数据。")
    return "\n".join(lines)
