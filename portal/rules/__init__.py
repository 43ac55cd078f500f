"""Rule kinds (one class per kind) and the policies they read; import registers them all."""
from . import deadline, derived, engine, files, items, kinds, workday  # noqa: F401  (registration side effects)
from .base import COMMON_RULE_KEYS, RuleContext, RuleKind, get_kind, kind_names, pydantic_problems

__all__ = ['COMMON_RULE_KEYS', 'RuleContext', 'RuleKind', 'get_kind', 'kind_names', 'pydantic_problems']
