"""Field types: import the families so each registers itself; ask the registry for everything."""
from . import choices, files, links, numbers, temporal, text  # noqa: F401  (registration side effects)
from .base import COMMON_OPTIONS, FieldError, FieldType, ValueContext, all_types, get_type, type_names

__all__ = ['COMMON_OPTIONS', 'FieldError', 'FieldType', 'ValueContext', 'all_types', 'get_type', 'type_names']
