"""Message catalog: every user-visible text has a key with a Chinese and an English form."""
from __future__ import annotations

from typing import Any

LANGS = ('zh', 'en')

MESSAGES: dict[str, tuple[str, str]] = {
    # generic errors
    'error.generic': ('操作失败', 'The operation failed'),
    'error.schema': ('模式文件有 {count} 个问题', 'The schema files have {count} problems'),
    'error.not_found': ('{register} 中没有编号为 {row_id} 的记录', 'No row {row_id} in {register}'),
    'error.register_not_found': ('没有登记表 "{register}"', 'No register "{register}"'),
    'error.permission': ('无权限:{reason}', 'Not allowed: {reason}'),
    'error.conflict': ('该记录已被 {by} 于 {at} 修改(版本 {version}),您看到的是版本 {seen}。',
                       'This row was changed by {by} at {at} (version {version}); you saw version {seen}.'),
    'error.cell_conflict': ('「{label}」已被 {by} 于 {at} 从 {old} 改为 {new}(现为版本 {version}),您看到的是版本 {seen}。',
                            '"{label_en}" was changed by {by} at {at} from {old} to {new} (now version {version}); '
                            'you saw version {seen}.'),
    'error.version_unknown': ('版本 {seen} 不存在:该记录现为版本 {version},请重新载入后再修改',
                              'Version {seen} never existed: this row is at version {version}; reload it and try again'),
    'error.validation': ('有 {count} 处输入不符合要求', '{count} values were rejected'),
    'error.bad_query': ('查询参数有误:{detail}', 'Bad query: {detail}'),
    'error.unknown_field': ('没有字段 "{field}"', 'No field "{field}"'),
    'error.not_sortable': ('字段 "{field}" 不能排序', 'Field "{field}" cannot be sorted'),
    'error.bad_filter': ('字段 "{field}" 的筛选条件无效:{detail}', 'Invalid filter on "{field}": {detail}'),
    'error.readonly_field': ('字段「{label}」是只读的', 'Field "{label}" is read-only'),
    'error.deleted': ('该记录已删除', 'This row is deleted'),
    # start-up and the command line
    'start.db_unreachable': ('无法连接数据库 {url}:{reason}。请检查 PORTAL_DB_URL,以及数据库是否已启动、库名和账号是否正确',
                             'Cannot connect to the database {url}: {reason}. Check PORTAL_DB_URL, that the '
                             'database server runs, and the database name and login'),
    'start.redis_unreachable': ('无法连接 Redis {url}:{reason}。请检查 PORTAL_REDIS_URL(主机、端口、库号 0–15)',
                                'Cannot connect to Redis {url}: {reason}. Check PORTAL_REDIS_URL (host, port, '
                                'database number)'),
    'start.no_redis': ('注意:数据库是 PostgreSQL 但没有配置 Redis(PORTAL_REDIS_URL)——多个进程之间不会有实时更新,'
                       '登录也不共享。只运行一个进程时可忽略(PORTAL_SINGLE_PROCESS=1 不再提示)',
                       'Note: the database is PostgreSQL but no Redis is configured (PORTAL_REDIS_URL): several '
                       'processes will not see each other\'s changes live nor share logins. Fine for one process '
                       '(PORTAL_SINGLE_PROCESS=1 silences this)'),
    'cli.internal': ('内部错误 {kind}:{detail}(加 --debug 查看详情)', 'Internal error {kind}: {detail} (add --debug '
                     'for the details)'),
    'cli.no_file': ('找不到文件 {path}', 'No such file: {path}'),
    # permissions
    'perm.action': ('您的角色不能对「{register}」执行「{action}」', 'Your role may not {action} in "{register}"'),
    'perm.row': ('该记录不在您的可见范围内', 'This row is outside your scope'),
    'perm.column': ('您不能修改字段「{label}」', 'You may not change the field "{label}"'),
    'perm.admin': ('仅管理员可以执行此操作', 'Only administrators may do this'),
    'perm.preview': ('预览模式只能查看,不能修改', 'Preview mode is read-only'),
    # field values
    'value.required': ('必填', 'Required'),
    'value.not_text': ('"{value}" 不是文本', '"{value}" is not text'),
    'value.too_large': ('"{value}" 太大:最多 {digits} 位整数', '"{value}" is too large: at most {digits} digits before the point'),
    'value.too_long': ('长度 {length} 超过上限 {max_length}', 'Length {length} exceeds {max_length}'),
    'value.pattern': ('"{value}" 格式不符合要求({pattern})', '"{value}" does not match the pattern {pattern}'),
    'value.pattern_help': ('"{value}" 格式不符合要求:{help}', '"{value}" is not in the expected form: {help_en}'),
    'value.not_integer': ('"{value}" 不是整数', '"{value}" is not a whole number'),
    'value.not_number': ('"{value}" 不是数字', '"{value}" is not a number'),
    'value.too_many_decimals': ('"{value}" 最多 {places} 位小数', '"{value}" has more than {places} decimal places'),
    'value.below_min': ('{value} 小于最小值 {min}', '{value} is below the minimum {min}'),
    'value.above_max': ('{value} 大于最大值 {max}', '{value} is above the maximum {max}'),
    'value.not_date': ('"{value}" 不是日期(例如 2026-11-03、2026/11/3、20261103、11-3、2026年11月3日)',
                       '"{value}" is not a date (e.g. 2026-11-03, 2026/11/3, 20261103, 11-3)'),
    'value.not_datetime': ('"{value}" 不是日期时间(例如 2026-11-03 09:30)',
                           '"{value}" is not a date and time (e.g. 2026-11-03 09:30)'),
    'value.not_time': ('"{value}" 不是时间(例如 09:30)', '"{value}" is not a time (e.g. 09:30)'),
    'value.not_bool': ('"{value}" 不是 是/否', '"{value}" is not yes/no'),
    'value.not_choice': ('"{value}" 不在可选项中:{choices}', '"{value}" is not one of: {choices}'),
    'value.not_user': ('"{value}" 不是系统用户', '"{value}" is not a portal user'),
    'value.not_ref': ('"{value}" 在「{target}」中找不到', '"{value}" was not found in "{target}"'),
    'value.not_phone': ('"{value}" 不是有效的电话号码(手机 11 位;座机带区号,如 0571-88886666;境外号码加国家码)',
                        '"{value}" is not a valid phone number (mobile: 11 digits; landline with its area code, '
                        'e.g. 0571-88886666; abroad with the country code)'),
    'value.not_clause': ('"{value}" 不是制度中的条款编号', '"{value}" is not a clause of the regulations'),
    'value.unique': ('"{value}" 已存在,不能重复', '"{value}" already exists'),
    'value.duplicate_key': ('「{labels}」为 {key} 的记录已存在(#{id}),不能重复登记',
                            'A row with {labels_en} {key} already exists (#{id})'),
    'value.key_taken': ('「{labels}」为 {key} 的记录已存在,不能重复登记', 'A row with {labels_en} {key} already exists'),
    'value.status_direct': ('状态只能通过流程按钮变更', 'The status changes through workflow actions only'),
    # place of a problem
    'place.cell': ('第 {row} 行 {column} 列 ({label})', 'row {row}, column {column} ({label})'),
    'place.field': ('{label}', '{label}'),
}


def yes_no(value: bool, lang: str = 'zh') -> str:
    return ('Yes' if value else 'No') if lang == 'en' else ('是' if value else '否')


def t(key: str, lang: str = 'zh', /, **params: Any) -> str:
    """Render message `key` in `lang`; unknown keys render as the key itself (never crash a page)."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == 'en' else pair[0]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def add_messages(messages: dict[str, tuple[str, str]]) -> None:
    """Let other modules contribute their own keys (checked for clashes)."""
    for key, pair in messages.items():
        if key in MESSAGES and MESSAGES[key] != pair:
            raise ValueError(f'message key {key!r} defined twice')
        MESSAGES[key] = pair
