"""Where a mapping's ``file:`` may point: only inside the folders (or among the files) being loaded.

A mapping comes with the upload, so it is as untrusted as the data: ``file: ../../etc/passwd`` or an
absolute path would read any file the app can, and a never-matching ``regex`` would echo its lines
into the report.  A name is resolved (symlinks followed) and must stay under a folder being loaded.
"""
from __future__ import annotations

from pathlib import Path


class OutsideFolder(ValueError):
    pass


def find_source(name: str, folders: list[Path], named: dict[str, Path]) -> Path | None:
    """The file a mapping names, or None when it is in none of the folders.

    ``named``: files given one by one, by their name.  Raises OutsideFolder for a name that leads
    out of the folders (``..``, an absolute path, a symlink to elsewhere), found or not: the answer
    must not tell what exists outside."""
    if name in named:
        return named[name]
    for folder in folders:
        root = folder.resolve()
        try:
            candidate = (root / name).resolve()
        except (OSError, ValueError):      # a NUL byte, a symlink loop
            raise OutsideFolder(f"{name!r} is not a usable file name / 文件名无效") from None
        if not candidate.is_relative_to(root):
            raise OutsideFolder(
                f"{name!r} leads outside the folder being loaded ({'a symlink' if _via_symlink(root, name) else 'an absolute path or ..'}): "
                f"a mapping may name only files inside it / 映射只能引用导入文件夹内的文件")
        if candidate.is_file():
            return candidate
    return None


def _via_symlink(root: Path, name: str) -> bool:
    lexical = Path(name)
    if lexical.is_absolute() or ".." in lexical.parts:
        return False
    path = root
    for part in lexical.parts:
        path = path / part
        if path.is_symlink():
            return True
    return False
