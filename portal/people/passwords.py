"""Password strength: zxcvbn's estimate, told the login and the person's name, against the portal's minimum."""
from __future__ import annotations

from typing import Any

from zxcvbn import zxcvbn

from ..errors import PortalError
from ..i18n import add_messages, t
from ..runtime import rt

add_messages({
    'password.short': ('密码至少 {min} 位', 'Passwords need at least {min} characters'),
    'password.weak': ('密码太容易被猜到(强度 {score}/4,至少需要 {need}):{why}。请用几个不相关的词或更长的密码',
                      'This password is too easy to guess (strength {score}/4, {need} needed): {why}. Use a few '
                      'unrelated words or a longer password'),
    'password.why.personal': ('包含了用户名或姓名', 'it contains the login or the name'),
    'password.why.common': ('是常见密码或与常见密码相似', 'it is or resembles a common password'),
    'password.why.names': ('以常见的姓名为主', 'it is mostly a common name'),
    'password.why.words': ('以常见单词为主', 'it is mostly a common word'),
    'password.why.keyboard': ('是键盘上相邻的按键', 'it is a row or pattern of keyboard keys'),
    'password.why.repeat': ('有重复的字符或片段', 'it repeats characters or parts'),
    'password.why.sequence': ('是连续的字母或数字(如 abc、6543)', 'it is a sequence such as abc or 6543'),
    'password.why.years': ('包含年份', 'it contains a year'),
    'password.why.dates': ('包含日期', 'it contains a date'),
    'password.why.guessable': ('太短或太简单', 'it is too short or too simple'),
})
MIN_LENGTH = 8
ESTIMATE_CHARS = 72          # zxcvbn refuses longer input; the first 72 characters decide for a longer one
_PATTERNS = {'spatial': 'password.why.keyboard', 'repeat': 'password.why.repeat', 'sequence': 'password.why.sequence',
             'regex': 'password.why.years', 'date': 'password.why.dates'}
_DICTIONARIES = {'user_inputs': 'password.why.personal', 'passwords': 'password.why.common',
                 'surnames': 'password.why.names', 'male_names': 'password.why.names',
                 'female_names': 'password.why.names'}


class WeakPassword(PortalError):
    """Refused password; the message names why (each reason rendered in the reader's language)."""

    key = 'password.weak'

    def __init__(self, *, score: int, need: int, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__('password.weak', score=score, need=need)

    def message(self, lang: str = 'zh') -> str:
        why = (';' if lang != 'en' else '; ').join(t(r, lang) for r in self.reasons)
        return t(self.key, lang, **self.params, why=why)


def check(password: str, *, username: str, display_name: str = '') -> None:
    """Raise PortalError when the password is too short or too easy to guess for this person."""
    problem = assess(password, username=username, display_name=display_name)
    if problem is not None:
        raise problem


def assess(password: str, *, username: str, display_name: str = '', min_score: int | None = None
           ) -> PortalError | None:
    """The refusal a password earns (None = good enough); the minimum score is PORTAL_PASSWORD_MIN_SCORE."""
    if len(password) < MIN_LENGTH:
        return PortalError('password.short', min=MIN_LENGTH)
    need = rt().settings.password_min_score if min_score is None else min_score
    inputs = [part for part in (username, display_name) if part]
    result = zxcvbn(password[:ESTIMATE_CHARS], user_inputs=inputs)
    if result['score'] >= need:
        return None
    return WeakPassword(score=result['score'], need=need, reasons=_reasons(result['sequence']))


def _reasons(sequence: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for match in sequence:
        if match['pattern'] == 'dictionary':
            key = _DICTIONARIES.get(match.get('dictionary_name', ''), 'password.why.words')
        else:
            key = _PATTERNS.get(match['pattern'])     # 'bruteforce' stretches are no reason by themselves
        if key and key not in found:
            found.append(key)
    return found or ['password.why.guessable']
