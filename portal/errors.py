"""Error types shared by every layer: schema issues and service refusals, rendered in zh or en."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .i18n import t


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """One problem found in a schema file: where it is, what is wrong, what is allowed."""

    code: str
    file: str
    register: str | None = None
    path: str = ''
    message: str
    value: Any = None
    allowed: tuple[str, ...] = ()
    hint: str | None = None
    severity: str = 'error'
    raw_path: str = field(default='', compare=False, repr=False)   # the path before field names were added

    def __str__(self) -> str:
        parts = [f"register '{self.register}'"] if self.register else []
        if self.path:
            parts.append(self.path)
        text = f'{self.file}: {", ".join(parts)}: {self.message}' if parts else f'{self.file}: {self.message}'
        if self.allowed:
            text += f'; allowed: {", ".join(self.allowed)}'
        if self.hint:
            text += f". Did you mean '{self.hint}'?"
        return f'{text} [{self.code}]'


class PortalError(Exception):
    """Base of all refusals a user may see; carries a message key and its parameters."""

    status = 400
    key = 'error.generic'

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(self.message('zh'))

    def message(self, lang: str = 'zh') -> str:
        return t(self.key, lang, **self.params)


class SchemaError(PortalError):
    """The schema files have problems; the issues say which."""

    status = 500

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__('error.schema', count=len(issues))

    def message(self, lang: str = 'zh') -> str:
        return '\n'.join(str(i) for i in self.issues)


class Unreachable(PortalError):
    """A service the portal needs (the database, Redis) cannot be reached or refuses the connection."""

    status = 503
    key = 'start.db_unreachable'


def first_line(exc: BaseException, limit: int = 200) -> str:
    """What an exception says, as one short line (for refusals printed on the console)."""
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:limit].rstrip('.。 ')


def redact(url: str) -> str:
    """A connection URL fit to print: the password replaced by ***."""
    head, sep, rest = url.partition('://')
    if not sep or '@' not in rest:
        return url
    auth, at, host = rest.rpartition('@')
    user = auth.split(':', 1)[0]
    return f'{head}://{user}{":***" if ":" in auth else ""}@{host}'


class NotFound(PortalError):
    status = 404
    key = 'error.not_found'


class PermissionDenied(PortalError):
    status = 403
    key = 'error.permission'


class Conflict(PortalError):
    """The row changed since the caller loaded it; `current` holds the row as it is now."""

    status = 409
    key = 'error.conflict'

    def __init__(self, key: str | None = None, /, *, current: dict | None = None, **params: Any) -> None:
        self.current = current
        super().__init__(key, **params)


@dataclass(slots=True)
class FieldProblem:
    """A rejected value of one field (and, for imports/pastes, its place in the file)."""

    field: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    row: int | None = None
    column: str | None = None
    value: Any = None

    def message(self, lang: str = 'zh') -> str:
        return t(self.key, lang, **self.params)


class ValidationFailed(PortalError):
    """One or more values were rejected; nothing was written."""

    status = 422
    key = 'error.validation'

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__('error.validation', count=len(problems))

    def message(self, lang: str = 'zh') -> str:
        return '; '.join(p.message(lang) for p in self.problems)

    def by_field(self, lang: str = 'zh') -> dict[str, str]:
        out: dict[str, str] = {}
        for p in self.problems:
            out.setdefault(p.field, p.message(lang))
        return out
