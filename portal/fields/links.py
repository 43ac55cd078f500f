"""Link field types: user (a portal user, stored as the login name) and ref (a row of another register)."""
from __future__ import annotations

import json
import re

from tortoise import fields as tf

from .base import FieldError, FieldType, register_type
from .choices import SET_FILTER
from .normalize import to_decimal


@register_type
class User(FieldType):
    name = 'user'
    input_kind = 'select'
    label = '人员'
    label_en = 'portal user'
    storage = 'text'
    filter_kind = 'set'
    default_keywords = frozenset({'current_user'})
    searchable = True
    holds_user = True

    def column(self, spec):
        return tf.TextField(null=True)

    def convert(self, raw, spec, ctx) -> str:
        text = str(raw)
        if ctx.users is None or text in ctx.users:
            return text
        by_display = {name: login for login, name in ctx.users.items()}
        match = re.match(r'^(.*?)\s*[((]([\w.\-]+)[))]$', text)   # "张伟 (zhangwei)"
        if match and match[2] in ctx.users:
            return match[2]
        if text in by_display:
            return by_display[text]
        raise FieldError('value.not_user', value=text)

    def keyword_default(self, keyword, ctx):
        return ctx.user

    def input_options(self, spec, ctx):
        return {login: f'{name} ({login})' for login, name in ctx.get('users', {}).items()}

    def text(self, value, spec, lang='zh') -> str:
        return '' if value is None else str(value)

    def grid(self, spec, ctx) -> dict:
        users = ctx.get('users', {})
        return {'cellEditor': 'agSelectCellEditor', 'cellEditorParams': {'values': [None, *users]},
                'refData': users, 'filter': SET_FILTER,
                'filterParams': {'values': list(users), 'labels': list(users.values())}}

    def dropdown(self, spec, lang='zh'):
        return ()

    def hint(self, spec, lang='zh') -> str:
        return 'login name or display name of a portal user' if lang == 'en' else '系统用户的登录名或姓名'

    def demo(self, rng, spec, ctx):
        return rng.choice(ctx['users'])


@register_type
class Ref(FieldType):
    name = 'ref'
    label = '关联记录'
    label_en = 'link to a row'
    storage = 'int'
    filter_kind = 'number'
    options = frozenset({'ref'})
    searchable = True      # quick search finds a linked row by its title (the page turns the title into ids)

    def column(self, spec):
        return tf.BigIntField(null=True)

    def convert(self, raw, spec, ctx) -> int:
        number = to_decimal(str(raw).lstrip('#')) if not isinstance(raw, bool) else None
        if number is not None and number == number.to_integral_value() and 0 < number < 10 ** 18:
            row_id = int(number)
            known = ctx.ref_ids.get(spec.ref)
            if known is None or row_id in known:
                return row_id
        titles = ctx.refs.get(spec.ref, {})
        if str(raw).strip() in titles:
            return titles[str(raw).strip()]
        raise FieldError('value.not_ref', value=raw, target=spec.ref)

    def text(self, value, spec, lang='zh') -> str:
        return '' if value is None else f'#{value}'

    def to_cell(self, value, spec):
        return value

    def grid(self, spec, ctx) -> dict:
        return {'cellEditor': 'agTextCellEditor', 'filter': 'agNumberColumnFilter',
                'filterParams': {'filterOptions': ['equals', 'blank', 'notBlank'], 'maxNumConditions': 1},
                ':valueFormatter': f'(p) => p.value == null ? "" : ((p.data && p.data["{spec.name}__title"]) '
                                   f'|| ("#" + p.value))'}

    def hint(self, spec, lang='zh') -> str:
        return (f'row number (#id) or title in "{spec.ref}"' if lang == 'en'
                else f'「{spec.ref}」中的记录编号(#id)或标题')

    def check_spec(self, spec, report) -> None:
        if not spec.ref:
            report('S133', 'ref', "a 'ref' field needs ref = \"<register key>\"", value=None)

    def demo(self, rng, spec, ctx):
        ids = ctx.get('ref_ids', {}).get(spec.ref)
        return rng.choice(ids) if ids and rng.random() < 0.3 else None


@register_type
class ClauseRef(FieldType):
    """A clause of the regulations (e.g. a penalty cites the rule that was broken)."""

    name = 'clause'
    input_kind = 'select'
    label = '制度条款'
    label_en = 'regulation clause'
    storage = 'text'
    filter_kind = 'set'
    searchable = True

    def column(self, spec):
        return tf.TextField(null=True)

    def convert(self, raw, spec, ctx) -> str:
        text = str(raw).split()[0] if str(raw).split() else str(raw)
        if ctx.clauses is None or text in ctx.clauses:
            return text
        raise FieldError('value.not_clause', value=raw)

    def grid(self, spec, ctx) -> dict:
        """Cells store the clause id and show its citation (《仓储管理制度》发货 1); the tooltip quotes the text."""
        clauses = ctx.get('clauses', {})          # id -> citation
        texts = ctx.get('clause_texts', {})       # id -> text
        quotes = json.dumps(texts, ensure_ascii=False)
        return {'cellEditor': 'agSelectCellEditor', 'cellEditorParams': {'values': [None, *clauses]},
                'refData': clauses, 'filter': SET_FILTER,
                'filterParams': {'values': list(clauses), 'labels': list(clauses.values())},
                ':tooltipValueGetter': f'(p) => p.value == null ? null : ({quotes}[p.value] || p.value)'}

    def dropdown(self, spec, lang='zh'):
        return ()

    def input_options(self, spec, ctx):
        return dict(ctx.get('clauses', {}))

    def hint(self, spec, lang='zh') -> str:
        return 'clause id, e.g. penalty.authority' if lang == 'en' else '制度条款编号,如 penalty.authority'

    def demo(self, rng, spec, ctx):
        return rng.choice(ctx['clauses'])
