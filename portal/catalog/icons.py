"""The icon names a register may use: the Material Icons that NiceGUI ships (its font's ligatures). The list is
kept in material_icons.txt beside this module; tests/test_schema_corpus.py reads the font NiceGUI installs and fails
when the list no longer matches it (regenerate with `python -m portal.catalog.icons`)."""
from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

LIST = Path(__file__).with_name('material_icons.txt')
# Quasar's prefixes for the other Material Icons styles NiceGUI ships (outlined, round, sharp): same names
STYLE_PREFIXES = ('o_', 'r_', 's_')


@lru_cache(maxsize=1)
def names() -> frozenset[str]:
    return frozenset(LIST.read_text(encoding='utf-8').split())


def known(icon: str) -> bool:
    bare = icon[2:] if icon.startswith(STYLE_PREFIXES) else icon
    return bare in names()


def near(icon: str) -> str | None:
    close = difflib.get_close_matches(icon, sorted(names()), n=1, cutoff=0.6)
    return close[0] if close else None


def font_names(font: Path) -> set[str]:
    """The ligature names of a Material Icons font (needs fontTools and brotli: test and maintenance only)."""
    from fontTools.ttLib import TTFont
    face = TTFont(str(font))
    chars = {glyph: chr(code) for code, glyph in face.getBestCmap().items()}
    out: set[str] = set()
    for lookup in face['GSUB'].table.LookupList.Lookup:
        for table in lookup.SubTable:
            table = getattr(table, 'ExtSubTable', table)
            for first, ligatures in getattr(table, 'ligatures', {}).items():
                out.update(chars.get(first, '') + ''.join(chars.get(c, '') for c in lig.Component) for lig in ligatures)
    return out


def shipped_font() -> Path:
    """NiceGUI's Material Icons font (the first @font-face of its fonts.css)."""
    import importlib.util
    static = Path(importlib.util.find_spec('nicegui').origin).parent / 'static'
    css = (static / 'fonts.css').read_text(encoding='utf-8')
    block = css[css.index('"Material Icons"'):]
    return static / block[block.index('url(') + 4:block.index(')')]


if __name__ == '__main__':
    LIST.write_text('\n'.join(sorted(font_names(shipped_font()))) + '\n', encoding='utf-8')
    print(f'{len(names.__wrapped__())} icon names → {LIST}')
