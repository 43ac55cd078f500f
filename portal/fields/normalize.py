"""Lenient readers for what people type or paste: full-width digits, Chinese dates, 是/否, spaces."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

_FULL_WIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_EXCEL_EPOCH = date(1899, 12, 30)

TRUE_WORDS = frozenset({'是', '对', '有', 'y', 'yes', 'true', 't', '1', '√', '✓', '✔', 'on', '已'})
FALSE_WORDS = frozenset({'否', '不', '无', 'n', 'no', 'false', 'f', '0', '×', '✗', 'off', '未'})

_DATE_RE = re.compile(r'^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$')
_COMPACT_DATE_RE = re.compile(r'^(\d{4})(\d{2})(\d{2})$')
_MONTH_DAY_RE = re.compile(r'^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$')
_TIME_RE = re.compile(r'^(\d{1,2})\s*[:时点]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?$')


def clean(raw: object) -> object:
    """Strings lose surrounding (also full-width) spaces and get half-width digits and signs."""
    if raw.__class__ is str:
        if not raw.isascii():
            raw = raw.translate(_FULL_WIDTH).replace('\u00a0', ' ')
        return raw.strip()
    return raw


def is_empty(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and clean(raw) == '') or raw == []


def to_decimal(raw: object) -> Decimal | None:
    """Numbers from text: '1,234.50', '¥12', '１２', '12元'; None when it is not a number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if raw == raw and raw not in (float('inf'), float('-inf')) else None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    text = str(clean(raw))
    text = text.replace(',', '').replace('，', '').replace(' ', '')
    text = re.sub(r'^[¥￥]|元$', '', text)
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def to_date(raw: object, year: int | None = None) -> date | None:
    """Dates from 2026-11-03, 2026/11/3, 2026.11.3, 2026年11月3日, 20261103 or an Excel serial; with `year`
    (the current one) also 11-3, 11/3, 11月3日. Anything else — 11262026, 3/11/2026, 2026-02-30 — is no date:
    never guessed."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _from_serial(raw).date() if 1 <= raw < 2958466 else None
    text = str(clean(raw))
    text = re.split(r'[ T]', text, maxsplit=1)[0] if re.match(r'^\d{4}\D\d{1,2}\D\d{1,2}\D?[ T]', text) else text
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match and year is not None and (short := _MONTH_DAY_RE.match(text)):
        try:
            return date(year, int(short[1]), int(short[2]))
        except ValueError:
            return None
    if not match:
        serial = to_decimal(text)
        if serial is not None and 20000 <= serial < 2958466 and text.replace('.', '', 1).isdigit():
            return _from_serial(float(serial)).date()
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def to_time(raw: object) -> time | None:
    """Times from 09:30, 9:30:15, 9点30分, 9时30分, or an Excel day fraction."""
    if isinstance(raw, datetime):
        return raw.time().replace(microsecond=0)
    if isinstance(raw, time):
        return raw.replace(microsecond=0)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if 0 <= raw < 1:
            seconds = round(raw * 86400)
            return (datetime.min + timedelta(seconds=min(seconds, 86399))).time()
        return None
    text = str(clean(raw))
    match = _TIME_RE.match(text)
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def to_datetime(raw: object) -> datetime | None:
    """Date-times from '2026-11-03 09:30', '2026年11月3日 9点30分', ISO 'T' forms, or an Excel serial."""
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=None, microsecond=0)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _from_serial(raw).replace(microsecond=0) if 1 <= raw < 2958466 else None
    text = str(clean(raw))
    text = re.sub(r'(Z|[+-]\d{2}:?\d{2})$', '', text)
    parts = re.split(r'\s+|T', text, maxsplit=1)
    day = to_date(parts[0])
    if day is None:
        return None
    if len(parts) == 1:
        return datetime(day.year, day.month, day.day)
    clock = to_time(parts[1])
    return datetime.combine(day, clock) if clock else None


def to_bool(raw: object) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = str(clean(raw)).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def _from_serial(serial: float) -> datetime:
    return datetime.combine(_EXCEL_EPOCH, time()) + timedelta(days=float(serial))
