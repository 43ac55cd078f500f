"""Contract tests over every registered field type, plus the lenient forms people type or paste."""
from __future__ import annotations

import random
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.fields import FieldError, ValueContext, all_types, get_type, type_names
from portal.schema import FieldSpec

CTX = ValueContext(today=date(2026, 11, 27), now=datetime(2026, 11, 27, 10, 0), user='cs',
                   users={'cs': '张客服', 'manager': '王经理'}, refs={'shipments': {'T-1': 7}},
                   ref_ids={'shipments': {7, 8}}, clauses={'attendance.late': '四 3.'})
DEMO_CTX = {'today': date(2026, 11, 27), 'users': ['cs', 'manager'], 'clauses': ['attendance.late'],
            'ref_ids': {'shipments': [7, 8]}}


def spec_for(type_name: str, **extra) -> FieldSpec:
    options = {'choice': {'choices': ('天猫', '京东', '1688')}, 'multichoice': {'choices': ('品名不符', '数量不符')},
               'status': {'choices': ('待发货', '已出库')}, 'ref': {'ref': 'shipments'}}.get(type_name, {})
    return FieldSpec(name='f', type=type_name, label='字段', label_en='Field', **{**options, **extra})


# type -> [(input, expected stored value)], [junk]
CASES = {
    'text': ([(' 你好 ', '你好'), (10086.0, '10086'), ('<img src=x onerror=alert(1)>', '<img src=x onerror=alert(1)>')],
             [{'a': 1}]),
    'longtext': ([('第一行\n第二行', '第一行\n第二行')], [[1, 2]]),
    'phone': ([('138 0013 8000', '13800138000'), ('+86 13800138000', '13800138000'), ('１３８００１３８０００', '13800138000'),
               ('+86 139 1234 5678', '13912345678'), ('0571-88886666', '0571-88886666'), ('(0571) 8888 6666', '0571-88886666'),
               ('010-62345678 转 123', '010-62345678 转 123'), ('021 6234 5678 ext. 9', '021-62345678 转 9'),
               ('+852 2123 4567', '+852 2123 4567')],
              ['12345', '23800138000', '0571-888', 'abc']),
    'integer': ([('12', 12), ('１２', 12), (' 1,200 ', 1200), (3.0, 3), ('-5', -5)], ['1.5', 'abc', '十二']),
    'decimal': ([('1.25', Decimal('1.25')), ('１,２３４.５', Decimal('1234.50')), (2, Decimal('2.00'))], ['1.234', 'x']),
    'money': ([('¥1,234.50', Decimal('1234.50')), ('200元', Decimal('200.00')), (99.9, Decimal('99.90'))],
              ['1.005', '二百']),
    'date': ([('2026-11-03', date(2026, 11, 3)), ('2026/11/3', date(2026, 11, 3)), ('2026年11月3日', date(2026, 11, 3)),
              ('２０２６年１１月３日', date(2026, 11, 3)), ('20261103', date(2026, 11, 3)), (46329, date(2026, 11, 3)),
              ('2026-11-03 00:00:00', date(2026, 11, 3)), (datetime(2026, 11, 3, 8), date(2026, 11, 3))],
             ['2026-13-01', '3/11/2026', 'tomorrow', '2026-02-30']),
    'datetime': ([('2026-11-03 09:30', datetime(2026, 11, 3, 9, 30)), ('2026/11/3 9:30:15', datetime(2026, 11, 3, 9, 30, 15)),
                  ('2026年11月3日 9点30分', datetime(2026, 11, 3, 9, 30)), ('2026-11-03T09:30:00Z', datetime(2026, 11, 3, 9, 30)),
                  (46329.5, datetime(2026, 11, 3, 12, 0))], ['2026-11-03 25:00', 'now-ish']),
    'time': ([('09:15', time(9, 15)), ('9:05:30', time(9, 5, 30)), ('9点15分', time(9, 15)), ('０９：１５', time(9, 15)),
              (0.375, time(9, 0))], ['25:00', '9.15am']),
    'bool': ([('是', True), ('否', False), ('Y', True), ('n', False), ('TRUE', True), (' 是 ', True), (1, True), ('√', True)],
             ['也许', '2']),
    'choice': ([('天猫', '天猫'), (' 京东 ', '京东'), (1688, '1688'), ('1688', '1688')], ['拼多多']),
    'multichoice': ([('品名不符、数量不符', ['品名不符', '数量不符']), ('数量不符,品名不符', ['品名不符', '数量不符']),
                     (['数量不符'], ['数量不符'])], ['少发']),
    'status': ([('待发货', '待发货')], ['已签收']),
    'user': ([('cs', 'cs'), ('张客服', 'cs'), ('张客服 (cs)', 'cs')], ['nobody']),
    'ref': ([('7', 7), ('#8', 8), ('T-1', 7)], ['99', 'T-2']),
    'clause': ([('attendance.late', 'attendance.late')], ['attendance.lat']),
    'attachment': ([([{'sha256': 'ab' * 32, 'name': '破损.png', 'size': 12, 'mime': 'image/png'}],
                     [{'sha256': 'ab' * 32, 'name': '破损.png', 'size': 12, 'mime': 'image/png'}]),
                    ('ab' * 32, [{'sha256': 'ab' * 32}]),
                    (f'https://portal.example/files/returns/7/photos/{"cd" * 32}\n/files/returns/7/photos/{"ab" * 32}',
                     [{'sha256': 'cd' * 32}, {'sha256': 'ab' * 32}])],
                   ['a photo.png', {'sha256': 'ab' * 32}, [{'sha256': 'xyz'}], [{'sha256': 'ab' * 32}] * 11]),
}


def test_every_type_has_cases():
    assert set(CASES) == set(type_names())


@pytest.mark.parametrize('type_name', type_names())
def test_parses_what_people_type(type_name):
    spec = spec_for(type_name)
    good, junk = CASES[type_name]
    kind = get_type(type_name)
    for raw, expected in good:
        assert kind.parse(raw, spec, CTX) == expected, raw
    for raw in junk:
        with pytest.raises(FieldError):
            kind.check(kind.parse(raw, spec, CTX), spec)


@pytest.mark.parametrize('type_name', type_names())
def test_empty_is_none(type_name):
    spec = spec_for(type_name)
    for raw in (None, '', '   ', '\u3000'):
        assert get_type(type_name).parse(raw, spec, CTX) is None


@pytest.mark.parametrize('type_name', type_names())
def test_demo_value_round_trips_through_json_text_and_cell(type_name):
    kind = get_type(type_name)
    spec = spec_for(type_name)
    rng = random.Random(1)
    for _ in range(20):
        value = kind.demo(rng, spec, DEMO_CTX)
        if value is None:
            continue
        kind.check(value, spec)
        assert kind.parse(kind.to_json(value, spec), spec, CTX) == value
        assert kind.parse(kind.to_cell(value, spec), spec, CTX) == value
        assert isinstance(kind.text(value, spec), str)


@pytest.mark.parametrize('type_name', type_names())
def test_grid_column_options(type_name):
    kind = get_type(type_name)
    spec = spec_for(type_name)
    options = kind.grid(spec, {'users': CTX.users, 'clauses': CTX.clauses})
    assert options.get('filter'), 'every column is filterable on the server'
    assert options.get('cellEditor'), 'every column has a typed editor'
    assert kind.hint(spec, 'zh') and kind.hint(spec, 'en')
    assert kind.storage in {'text', 'int', 'decimal', 'date', 'datetime', 'time', 'bool', 'json'}
    assert kind.column(spec).null is True


def test_constraints_from_the_schema():
    qty = spec_for('integer', min=1, max=999)
    with pytest.raises(FieldError) as err:
        get_type('integer').check(0, qty)
    assert err.value.key == 'value.below_min'
    text = spec_for('text', max_length=3, pattern='[A-Z]-\\d')
    with pytest.raises(FieldError):
        get_type('text').check('abcd', text)
    with pytest.raises(FieldError) as err:
        get_type('text').check('a-1', text)
    assert err.value.key == 'value.pattern'
    get_type('text').check('A-1', text)
    day = spec_for('date', min=date(2026, 1, 1))
    with pytest.raises(FieldError):
        get_type('date').check(date(2025, 12, 31), day)


def test_messages_in_chinese_and_english():
    from portal.i18n import t
    with pytest.raises(FieldError) as err:
        get_type('integer').parse('abc', spec_for('integer'), CTX)
    assert t(err.value.key, 'zh', **err.value.params) == '"abc" 不是整数'
    assert t(err.value.key, 'en', **err.value.params) == '"abc" is not a whole number'


def test_no_type_name_switches_outside_the_field_classes():
    """`grep` for type names used as strings in the engine, outside portal/fields/."""
    import pathlib
    import re
    root = pathlib.Path(__file__).resolve().parent.parent / 'portal'
    offenders = []
    names = '|'.join(type_names())
    pattern = re.compile(rf"""(type|\.type)\s*(==|!=|in)\s*['"(\[]({names})""")
    for path in root.rglob('*.py'):
        if 'fields' in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f'{path.name}:{number}: {line.strip()}')
    assert offenders == []


def test_registry_lists_all_types():
    assert {t.name for t in all_types()} == set(CASES)


def test_a_pattern_with_help_explains_itself_in_words():
    from portal.fields import FieldError
    from portal.i18n import t
    spec = spec_for('text', pattern=r'TS\d{8}-\d{2,6}', help='格式 TS年月日-序号,如 TS20261103-01',
                    help_en='TS + date + sequence, e.g. TS20261103-01')
    with pytest.raises(FieldError) as err:
        get_type('text').check('abc', spec)
    assert t(err.value.key, 'zh', **err.value.params) == '"abc" 格式不符合要求:格式 TS年月日-序号,如 TS20261103-01'
    assert t(err.value.key, 'en', **err.value.params) == '"abc" is not in the expected form: TS + date + sequence, e.g. TS20261103-01'
    with pytest.raises(FieldError) as err:
        get_type('text').check('abc', spec_for('text', pattern=r'\d+'))
    assert t(err.value.key, 'zh', **err.value.params) == '"abc" 格式不符合要求(\\d+)'


def _outcome(fn):
    try:
        return 'ok', fn()
    except FieldError as exc:
        return 'error', exc.key


@pytest.mark.parametrize('type_name', type_names())
@settings(max_examples=150, deadline=None, derandomize=True)
@given(raw=st.one_of(st.text(max_size=300), st.integers(), st.floats(allow_nan=False), st.none(),
                     st.sampled_from([' 你好 ', '１２', '2026年11月3日', '天猫', '是', '9点15分', 'x' * 201])))
def test_the_checked_parser_does_what_parse_and_check_do(type_name, raw):
    """Imports parse and check each cell with the type's checked_parser; it must agree with parse + check."""
    for spec in (spec_for(type_name), spec_for(type_name, max_length=5) if type_name == 'text' else None):
        if spec is None:
            continue
        kind = get_type(type_name)

        def both():
            value = kind.parse(raw, spec, CTX)
            kind.check(value, spec)
            return value
        assert _outcome(lambda: kind.checked_parser(spec, CTX)(raw)) == _outcome(both)


def test_typed_dates_mean_this_year_and_are_never_guessed():
    from portal.fields.normalize import to_date
    assert to_date('11-26', 2026) == date(2026, 11, 26) == to_date('11/26', 2026) == to_date('11月26日', 2026)
    assert to_date('11-26') is None                              # no year given: no guess
    for wrong in ('11262026', '26/11/2026', '2026-02-30', '13-01', '02-30'):
        assert to_date(wrong, 2026) is None, wrong
