"""The frozen model of a catalog — registers, fields, checklists, workflows, roles, the acting user — and the raw
shapes of the TOML files (raw.py). Everything above reads schemas through these objects, never through dicts."""
from .model import (
                    SYSTEM_COLUMNS,
                    Actor,
                    Catalog,
                    ChecklistItem,
                    Clause,
                    Document,
                    FieldSpec,
                    QueueSpec,
                    RegisterSchema,
                    Rights,
                    RoleSpec,
                    RuleSpec,
                    Scope,
                    Transition,
                    Workflow,
)

__all__ = ['SYSTEM_COLUMNS', 'Actor', 'Catalog', 'ChecklistItem', 'Clause', 'Document', 'FieldSpec', 'QueueSpec',
           'RegisterSchema', 'Rights', 'RoleSpec', 'RuleSpec', 'Scope', 'Transition', 'Workflow']
