"""Demo text that matches a field's `pattern`: a small generator over Python's own parse of the regular expression
(literals, classes, ranges, categories, repeats, groups, alternatives), so demo rows of any register satisfy it."""
from __future__ import annotations

import random
import string
from re import _parser as parser  # type: ignore[attr-defined]   (Python 3.11+: the parser re itself uses)

_CATEGORIES = {'CATEGORY_DIGIT': string.digits, 'CATEGORY_WORD': string.ascii_letters + string.digits + '_',
               'CATEGORY_SPACE': ' ', 'CATEGORY_NOT_DIGIT': string.ascii_letters,
               'CATEGORY_NOT_WORD': '-.', 'CATEGORY_NOT_SPACE': string.ascii_letters}
_ANY = string.ascii_letters + string.digits
MAX_REPEAT = 8


def sample(pattern: str, rng: random.Random) -> str | None:
    """A string that fully matches `pattern`, or None when the pattern uses what this generator does not know."""
    try:
        return _emit(parser.parse(pattern), rng)
    except Exception:          # a construct this generator does not know: the caller falls back
        return None


def _emit(items, rng: random.Random) -> str:
    out = []
    for op, arg in items:
        name = str(op)
        if name == 'LITERAL':
            out.append(chr(arg))
        elif name == 'ANY':
            out.append(rng.choice(_ANY))
        elif name == 'IN':
            out.append(_one_of(arg, rng))
        elif name in ('MAX_REPEAT', 'MIN_REPEAT', 'POSSESSIVE_REPEAT'):
            low, high, sub = arg
            high = min(high, low + MAX_REPEAT) if high != parser.MAXREPEAT else low + MAX_REPEAT
            out.extend(_emit(sub, rng) for _ in range(rng.randint(low, max(low, high))))
        elif name == 'SUBPATTERN':
            out.append(_emit(arg[-1], rng))
        elif name == 'BRANCH':
            out.append(_emit(rng.choice(arg[1]), rng))
        elif name == 'AT':
            continue
        else:
            raise ValueError(name)
    return ''.join(out)


def _one_of(items, rng: random.Random) -> str:
    chars: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == 'NEGATE':
            raise ValueError(name)
        if name == 'LITERAL':
            chars.append(chr(arg))
        elif name == 'RANGE':
            chars.extend(chr(c) for c in range(arg[0], min(arg[1], arg[0] + 200) + 1))
        elif name == 'CATEGORY':
            chars.extend(_CATEGORIES[str(arg)])
        else:
            raise ValueError(name)
    return rng.choice(chars)
