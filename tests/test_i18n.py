"""Every message key the code names exists in the catalog, in both languages (a missing key shows its raw name)."""
from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import portal
from portal.i18n import MESSAGES

ROOT = Path(portal.__file__).parent
# t('key', …), an error raised with a key, or a problem/issue built with one: the literal first argument
NAMED = re.compile(r"\b(?:t|[A-Z][A-Za-z]*Error|Denied|NotFound|Conflict|Problem|problem|issue)\(\s*'([a-z_]+\.[a-z_0-9.]+)'")


def _all_modules() -> None:
    for info in pkgutil.walk_packages([str(ROOT)], 'portal.'):
        if not info.name.endswith('__main__'):
            importlib.import_module(info.name)


def test_every_named_key_is_in_the_catalog():
    _all_modules()
    missing = []
    for path in sorted(ROOT.rglob('*.py')):
        for key in NAMED.findall(path.read_text(encoding='utf-8')):
            if key not in MESSAGES:
                missing.append(f'{path.relative_to(ROOT)}: {key}')
    assert missing == []


def test_every_message_has_both_languages_with_the_same_parameters():
    _all_modules()
    fields = re.compile(r'\{(\w+)')
    odd = [key for key, (zh, en) in MESSAGES.items()       # the English form may name a parameter's English twin (x_en)
           if not zh or not en or set(fields.findall(zh)) != {name.removesuffix('_en') for name in fields.findall(en)}]
    assert odd == []
