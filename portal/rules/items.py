"""The `min_items` rule kind: a field that lists things (one per line in a text, or the values of a multiple
choice) must hold at least N of them — five selling points, three photos' captions, two approvers."""
from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt, StrictStr

from ..i18n import add_messages
from .base import Params, RuleKind, register_kind
from .kinds import _FieldCheck, _labels, _problem, describe

add_messages({
    'rule.min_items': ('「{label}」至少要有 {min} 项({how}),现有 {count} 项 [{clause}]',
                       '"{label_en}" needs at least {min} items ({how_en}), has {count} [{clause_en}]'),
})

_LISTS = ('text', 'longtext', 'multichoice')
_NEWLINE_WORDS = ('每行一项', 'one per line')


def count_items(value: Any, separators: tuple[str, ...]) -> int:
    """Non-blank items of a value: a list's entries, or a text split at line breaks and the separators."""
    if value is None:
        return 0
    if isinstance(value, (list, tuple)):
        return sum(1 for v in value if str(v).strip())
    text = str(value).replace('\r\n', '\n').replace('\r', '\n')
    for sep in separators:
        text = text.replace(sep, '\n')
    return sum(1 for part in text.split('\n') if part.strip())


@register_kind
class MinItems(_FieldCheck, RuleKind):
    """A field that lists items must hold at least `min` of them: a text counts its non-blank lines (and the
    parts between any `separators`), a multiple choice its values. With `when`, only rows that match count
    (five selling points once the pictures are processed)."""

    name = 'min_items'
    example = '''
field = "selling_points"
min = 5
when = { status = ["已处理", "已上线"] }
clause = "design.4"'''

    class params(Params):
        field: StrictStr
        """The field that lists the items: text or long text (one item per line), or a multiple choice."""
        min: StrictInt
        """The fewest items allowed (at least 1)."""
        separators: list[StrictStr] = Field(default_factory=list)
        """Characters that also separate items in a text besides a line break, e.g. ["、", ";"]."""

    def check_decl(self, register, rule, p, report, info) -> None:
        if self.need_field(register, p.field, 'field', report) and register.field(p.field).kind.name not in _LISTS:
            report('S263', 'field', f"'{p.field}' holds no list: use a text, longtext or multichoice field",
                   value=p.field, allowed=[f.name for f in register.fields if f.kind.name in _LISTS])
        if p.min < 1:
            report('S263', 'min', f'min {p.min} allows an empty field: give 1 or more', value=p.min)
        if any(not s for s in p.separators):
            report('S263', 'separators', 'an empty separator', value=p.separators)

    def _how(self, register, p) -> tuple[str, str]:
        if register.field(p.field).kind.name == 'multichoice':
            return '多选', 'choices'
        extra = ''.join(p.separators)
        if not extra:
            return _NEWLINE_WORDS
        return f'每行一项,或用 {extra} 分隔', f'one per line, or separated by {extra}'

    def evaluate(self, register, rule, p, row, ctx):
        count = count_items(row.get(p.field), tuple(p.separators))
        if count >= p.min:
            return []
        how, how_en = self._how(register, p)
        return [_problem(p.field, rule, 'rule.min_items', min=p.min, count=count, how=how, how_en=how_en,
                         **_labels(register, p.field))]

    def words(self, register, rule, p, lang='zh', policies=None):
        label = _labels(register, p.field)['label_en' if lang == 'en' else 'label']
        when = describe(register, rule.when, lang) if rule.when else ''
        how, how_en = self._how(register, p)
        if lang == 'en':
            return (f'when {when}, ' if when else '') + f'"{label}" lists at least {p.min} items ({how_en})'
        return (f'{when}时,' if when else '') + f'「{label}」至少 {p.min} 项({how})'
