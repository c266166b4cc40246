"""The CJK font for every matplotlib picture and PDF: without one, Chinese renders as boxes.

Debian's fonts-noto-cjk ships Noto Sans CJK as a .ttc collection that matplotlib may not have in
its cache yet, so known paths are added explicitly.  PDFs embed the font as TrueType/CID (Type 42)
so the text stays extractable (pdftotext) and searchable."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

KNOWN_PATHS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
               "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
               "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
               "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PREFERRED = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei")


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """The family name of a font with Chinese glyphs, registered with matplotlib; None if the machine has none."""
    from matplotlib import font_manager
    for path in KNOWN_PATHS:
        if Path(path).exists():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):
                continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in PREFERRED:
        if name in names:
            return name
    return next((n for n in sorted(names) if "CJK" in n), None)


def use_cjk(matplotlib_module) -> str | None:
    """Make the CJK font matplotlib's default (and keep text as text in PDFs); returns its family."""
    family = cjk_family()
    if family:
        matplotlib_module.rcParams["font.family"] = [family, "DejaVu Sans"]
    matplotlib_module.rcParams["pdf.fonttype"] = 42
    matplotlib_module.rcParams["axes.unicode_minus"] = False
    return family


def has_glyphs(text: str, family: str | None = None) -> bool:
    """Whether the font matplotlib would use for ``family`` has a glyph for every character of ``text``."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font
    path = font_manager.findfont(font_manager.FontProperties(family=family or cjk_family() or "sans-serif"),
                                 fallback_to_default=False)
    font = FT2Font(path)
    charmap = font.get_charmap()
    return all(ord(ch) in charmap for ch in text if not ch.isspace())
