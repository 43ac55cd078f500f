"""The RuleKind contract: one class per kind of rule declared in register schemas, one registry."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import FieldProblem
from ..registry import rule_kinds
from ..schema import RegisterSchema, RuleSpec

COMMON_RULE_KEYS = frozenset({'kind', 'clause', 'id', 'message', 'message_en', 'when'})


class Params(BaseModel):
    model_config = ConfigDict(extra='forbid', use_attribute_docstrings=True)   # docstrings: the reference's words


@dataclass(kw_only=True)
class RuleContext:
    """What rules need besides the row: who acts, today, the policies."""

    actor: str | None
    today: date
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)


class RuleKind:
    name: ClassVar[str]
    params: ClassVar[type[Params]]
    computes: ClassVar[bool] = False
    example: ClassVar[str] = ''       # a [[rules]] entry of this kind for the schema reference (after `kind = …`)

    def parse_params(self, raw: dict[str, Any]) -> Params:
        return self.params.model_validate({k: v for k, v in raw.items() if k not in COMMON_RULE_KEYS})

    def check_decl(self, register: RegisterSchema, rule: RuleSpec, p: Params, report: Callable[..., None],
                   catalog_info: dict[str, Any]) -> None:
        """Cross-reference checks (fields exist and have fitting types, policies exist)."""

    def computed_fields(self, p: Params) -> tuple[str, ...]:
        return ()

    def compute(self, register: RegisterSchema, rule: RuleSpec, p: Params, row: dict, ctx: RuleContext) -> dict:
        """Values of computed fields for this row."""
        return {}

    def evaluate(self, register: RegisterSchema, rule: RuleSpec, p: Params, row: dict, ctx: RuleContext
                 ) -> list[FieldProblem]:
        """Problems this row has under the rule (empty = fine)."""
        return []

    def words(self, register: RegisterSchema, rule: RuleSpec, p: Params, lang: str = 'zh',
              policies: dict[str, Any] | None = None) -> str:
        """The rule in words, for people (the regulations page): what it requires, not the kind's name."""
        return rule.message_en or rule.message or self.name if lang == 'en' else rule.message or self.name

    def __repr__(self) -> str:
        return f'<RuleKind {self.name}>'


register_kind = rule_kinds.register
get_kind = rule_kinds.get


def kind_names() -> tuple[str, ...]:
    return rule_kinds.names()


def pydantic_problems(exc: ValidationError) -> list[tuple[str, str, Any]]:
    """(path, message, value) for each error pydantic found in a rule's parameters."""
    out = []
    for err in exc.errors():
        path = '.'.join(str(p) for p in err['loc'])
        if err['type'] == 'extra_forbidden':
            out.append((path, f"unknown key '{err['loc'][-1]}'", err.get('input')))
        elif err['type'] == 'missing':
            out.append((path, f"missing required key '{err['loc'][-1]}'", None))
        else:
            out.append((path, err['msg'], err.get('input')))
    return out
