"""Rule kinds about attached files: `file_names` (every file of an attachment field is named after the row, e.g.
listing photos named by 货号 — 美工管理制度)."""
from __future__ import annotations

from pydantic import StrictBool, StrictStr

from ..i18n import add_messages
from .base import Params, RuleKind, register_kind
from .kinds import _FieldCheck, _labels, _problem, describe

add_messages({
    'rule.file_names': ('「{label}」的文件名须以「{prefix_label}」{prefix} 开头:{name} 不符 [{clause}]',
                        ('the file names of "{label_en}" must start with "{prefix_label_en}" {prefix}: {name} does '
                         'not [{clause_en}]')),
    'rule.file_names_empty': ('「{prefix_label}」为空,无法核对「{label}」的文件名 [{clause}]',
                              ('"{prefix_label_en}" is empty, so the file names of "{label_en}" cannot be '
                               'checked [{clause_en}]')),
})


@register_kind
class FileNames(_FieldCheck, RuleKind):
    """Every file name of an attachment field starts with the value of another field of the row (photos named by
    货号); with `when`, only in the rows the condition holds for (e.g. from a workflow state on)."""

    name = 'file_names'
    example = '''
field = "photos"
prefix = "sku"
when = { status = ["待审核", "已上架"] }
clause = "design.photos.naming"'''

    class params(Params):
        field: StrictStr
        """The attachment field whose file names are checked."""
        prefix: StrictStr
        """The field whose value each file name must start with (e.g. the 货号)."""
        ignore_case: StrictBool = True
        """Compare without regard to upper and lower case (SKU-1 and sku-1 match)."""

    def check_decl(self, register, rule, p, report, info) -> None:
        if self.need_field(register, p.field, 'field', report) and not register.field(p.field).kind.holds_files:
            report('S263', 'field', f"'{p.field}' is not an attachment field", value=p.field,
                   allowed=[f.name for f in register.fields if f.kind is not None and f.kind.holds_files])
        self.need_field(register, p.prefix, 'prefix', report)

    def evaluate(self, register, rule, p, row, ctx):
        files = row.get(p.field) or ()
        if not files:
            return []
        labels = _labels(register, p.field)
        other = _labels(register, p.prefix)
        names = {'prefix_label': other['label'], 'prefix_label_en': other['label_en'], **labels}
        spec = register.field(p.prefix)
        prefix = spec.kind.text(row.get(p.prefix), spec).strip()
        if not prefix:
            return [_problem(p.field, rule, 'rule.file_names_empty', **names)]
        fold = str.casefold if p.ignore_case else str
        bad = [f.get('name', '') for f in files if not fold(f.get('name', '')).startswith(fold(prefix))]
        if not bad:
            return []
        return [_problem(p.field, rule, 'rule.file_names', prefix=prefix, name='、'.join(bad[:5]), **names)]

    def words(self, register, rule, p, lang='zh', policies=None):
        a, b = _labels(register, p.field), _labels(register, p.prefix)
        when = describe(register, rule.when, lang) if rule.when else ''
        if lang == 'en':
            return (f'when {when}, ' if when else '') + \
                f'the file names of "{a["label_en"]}" start with "{b["label_en"]}"'
        return (f'{when}时,' if when else '') + f'「{a["label"]}」的文件名以「{b["label"]}」开头'
