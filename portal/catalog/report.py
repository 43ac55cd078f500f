"""How the catalog reports what it finds in schema files: issues with file, path, allowed values and a hint; the
TOML reader; the structural pass through pydantic; file names as messages show them; the name rule."""
from __future__ import annotations

import copy
import difflib
import re
import tomllib
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from ..errors import Issue

NAME_RE = re.compile(r'^[a-z][a-z0-9_]{0,39}$')     # register keys, field names, checklist ids (SQL-safe)


class Reporter:
    """Collects issues for one file/register; `near` turns into a did-you-mean hint. `names` (field index → name)
    makes paths name the field: fields[6] (quantity).type. A problem under a path the structural pass already
    reported (a field that is not a table, a key of the wrong kind) is not reported again by later stages."""

    def __init__(self, issues: list[Issue], file: str, register: str | None = None, prefix: str = '', *,
                 names: dict[int, str] | None = None) -> None:
        self.issues, self.file, self.register, self.prefix = issues, file, register, prefix
        self.names = names or {}

    def __call__(self, code: str, path: str, message: str, *, value: Any = None, allowed=(), near: str | None = None,
                 severity: str = 'error', hint: str | None = None) -> None:
        full = f'{self.prefix}.{path}' if self.prefix and path else (self.prefix or path)
        if self._reported_above(full):
            return
        allowed = tuple(str(a) for a in allowed)
        if near is not None and allowed and hint is None:
            close = difflib.get_close_matches(str(near), allowed, n=1, cutoff=0.5)
            hint = close[0] if close else None
        self.issues.append(Issue(code=code, file=self.file, register=self.register, path=self.named(full),
                                 message=message, value=value, allowed=allowed, hint=hint, severity=severity,
                                 raw_path=full))

    def named(self, path: str) -> str:
        """fields[6].type → fields[6] (quantity).type"""
        match = _FIELD_AT.match(path)
        if not match or int(match[1]) not in self.names or not self.names[int(match[1])]:
            return path
        return f'fields[{match[1]}] ({self.names[int(match[1])]})' + path[match.end():]

    def _reported_above(self, path: str) -> bool:
        if not path:
            return False
        for issue in self.issues:
            raw = issue.raw_path
            if issue.file == self.file and raw and issue.severity == 'error' and (
                    path == raw or path.startswith((raw + '.', raw + '['))) and issue.code in STRUCTURAL:
                return True
        return False

    def at(self, prefix: str) -> Reporter:
        full = f'{self.prefix}.{prefix}' if self.prefix else prefix
        return Reporter(self.issues, self.file, self.register, full, names=self.names)


_FIELD_AT = re.compile(r'^fields\[(\d+)\]')
STRUCTURAL = frozenset({'S010', 'S011', 'S012', 'S013'})   # the structural pass's codes (later stages defer to them)


def read_toml(path: Path, issues: list[Issue], register: str | None = None) -> dict | None:
    try:
        return tomllib.loads(path.read_text(encoding='utf-8'))
    except tomllib.TOMLDecodeError as exc:
        Reporter(issues, _rel(path), register)('S002', '', f'not valid TOML: {exc}')
    except UnicodeDecodeError as exc:
        Reporter(issues, _rel(path), register)('S003', '', f'not UTF-8 text: {exc}')
    return None


def structural(model: type[BaseModel], data: dict, report: Reporter, context: Callable[[tuple], tuple] | None = None
               ) -> BaseModel | None:
    """Validate raw TOML with a pydantic model; turn each error into an Issue with path, allowed, hint. A value
    that fits none of a key's accepted kinds is one problem at that key, not one per kind."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        kinds: dict[str, tuple[Any, list[str]]] = {}     # path -> (the value, what each accepted kind said)
        for err in exc.errors():
            loc = err['loc']
            path = pathify(loc)
            if err['type'] == 'extra_forbidden':
                allowed = _allowed_keys(model, loc[:-1], data)
                report('S010', path, f"unknown key '{loc[-1]}'", value=loc[-1], allowed=allowed, near=str(loc[-1]))
            elif err['type'] == 'missing':
                report('S011', path, f"missing required key '{loc[-1]}'")
            elif err['type'] == 'literal_error':
                expected = err.get('ctx', {}).get('expected', '')
                allowed = [a.strip(" '") for a in expected.replace(' or ', ',').split(',')]
                report('S012', path, f'{err["input"]!r} is not allowed', value=err.get('input'), allowed=allowed,
                       near=str(err.get('input')))
            else:
                kinds.setdefault(pathify(_in_data(loc, data)), (err.get('input'), []))[1].append(err['msg'])
        for path, (value, messages) in kinds.items():
            said = messages[0] if len(messages) == 1 else 'Input should be ' + ' or '.join(
                m.removeprefix('Input should be ') for m in messages)
            report('S013', path, f'wrong kind of value {value!r}: {said}', value=value)
        return None


def _in_data(loc: tuple, data: Any) -> tuple:
    """The part of an error's path that exists in the data (pydantic adds the union member it tried)."""
    node, out = data, []
    for part in loc:
        if isinstance(node, dict) and part in node or (isinstance(node, list) and isinstance(part, int)
                                                       and 0 <= part < len(node)):
            out.append(part)
            node = node[part]
        else:
            break
    return tuple(out) or loc


def lenient(model: type[BaseModel], data: dict, report: Reporter) -> tuple[BaseModel | None, bool]:
    """The structural pass that keeps going: every problem is reported once, then the offending keys are taken out
    (or filled with a placeholder where one is required) until the rest validates, so a register with one bad key
    still takes part in the cross-reference checks. Returns (model or None, whether the file was clean)."""
    parsed = structural(model, data, report)
    if parsed is not None:
        return parsed, True
    if not isinstance(data, dict):
        return None, False
    repaired = copy.deepcopy(data)
    tried: dict[tuple, int] = {}
    for _ in range(60):
        try:
            return model.model_validate(repaired), False
        except ValidationError as exc:
            if not all(_repair(repaired, err, tried) for err in exc.errors()):
                return None, False
    return None, False


_PLACEHOLDERS = ('', [], {}, False, 0)


def _repair(data: Any, err: dict, tried: dict[tuple, int]) -> bool:
    """Take one error's key out of the data, or give a missing key the next placeholder; False: cannot."""
    loc, stack, node = err['loc'], [], data
    for part in loc:               # the part of the error's path that exists in the data
        if isinstance(node, dict) and part in node or (isinstance(node, list) and isinstance(part, int)
                                                       and 0 <= part < len(node)):
            stack.append((node, part))
            node = node[part]
        else:
            break
    if err['type'] == 'missing' and len(stack) < len(loc) and isinstance(node, dict):
        return _fill(node, loc[len(stack)], tried)
    if not stack:
        return False
    container, part = stack[-1]
    if isinstance(container, list):
        return _fill(container, part, tried)
    del container[part]
    return True


def _fill(container: dict | list, key: Any, tried: dict[tuple, int]) -> bool:
    attempt = tried.get((id(container), key), 0)
    if attempt >= len(_PLACEHOLDERS):
        return False
    tried[(id(container), key)] = attempt + 1
    container[key] = copy.deepcopy(_PLACEHOLDERS[attempt])
    return True


def pathify(loc: tuple) -> str:
    out = ''
    for part in loc:
        if isinstance(part, int):
            out += f'[{part}]'
        else:
            out += ('.' if out else '') + str(part)
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple, data: Any) -> list[str]:
    """The keys the model accepts at `loc` (walks nested models by annotation)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part) if hasattr(current, 'model_fields') else None
        if field is None:
            field = next((f for f in current.model_fields.values() if f.alias == part), None)
        current = _inner_model(field.annotation) if field else None
    if current is None:
        return []
    return sorted(f.alias or name for name, f in current.model_fields.items())


def _inner_model(annotation: Any) -> Any:
    import typing
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


_BASE: list[Path] = []


def _rel(path: Path) -> str:
    """File names in messages start at the schema folder (schemas/registers/x.toml), wherever it lives."""
    base = _BASE[-1] if _BASE else Path.cwd()
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)
