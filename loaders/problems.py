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


def per_file(problems: list[Problem], cap: int | None = None) -> list[Problem]:
    """At most ``cap`` problems of each file (CHAINGRAPH_MAX_PROBLEMS), then one line per file saying
    how many more: a million-column or million-row file must not make a million-line report."""
    if cap is None:
        from loaders.limits import limit
        cap = limit("problems_per_file")
    seen: dict[str, int] = {}
    kept = []
    for problem in problems:
        seen[problem.file] = seen.get(problem.file, 0) + 1
        if seen[problem.file] <= cap:
            kept.append(problem)
    kept += [Problem(file, None, None, f"… and {n - cap} more problem(s) in this file / 在此文件中另有 {n - cap} 个问题")
             for file, n in seen.items() if n > cap]
    return kept


def report(problems: list[Problem], limit: int | None = None) -> str:
    capped = per_file(problems)
    shown = capped if limit is None else capped[:limit]
    lines = [str(p) for p in shown]
    if limit is not None and len(capped) > limit:
        lines.append(f"… and {len(capped) - limit} more")
    files = len({p.file for p in problems})
    lines.append(f"{len(problems)} problem(s) in {files} file(s); nothing was written. "
                 f"共 {len(problems)} 处问题，未写入任何数据。")
    return "\n".join(lines)
