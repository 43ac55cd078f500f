"""THE door to row data. Everything above the store reads and writes register rows through these functions: each
takes the acting user, checks access, validates with the field types and rules, audits in the same transaction
and announces the change after commit. Nothing outside store/ and records/ touches the row models."""
from .derived import refresh_all as refresh_derived
from .links import linked_rows
from .refs import resolve as resolve_refs
from . import attach, closing
from .payload import payload, payloads
from .read import (
                   count_rows,
                   get_row,
                   iter_rows,
                   list_rows,
                   live_rows_with,
                   open_register,
                   register_of,
                   scoped_queryset,
                   taken_values,
                   value_context,
)
from .validation import Preparer, check_row, duplicate_key, key_problems, prepare_create, prepare_update
from .write import (
                    Writer,
                    create_row,
                    delete_rows,
                    restore_rows,
                    row_json,
                    session,
                    set_check,
                    update_row,
                    update_with_checks,
)

__all__ = ['Preparer', 'Writer', 'attach', 'check_row', 'closing', 'count_rows', 'create_row', 'delete_rows', 'duplicate_key',
           'get_row', 'iter_rows', 'key_problems', 'linked_rows', 'list_rows', 'live_rows_with', 'open_register',
           'payload', 'payloads', 'prepare_create', 'prepare_update', 'refresh_derived', 'register_of', 'resolve_refs', 'restore_rows',
           'row_json', 'scoped_queryset', 'session', 'set_check', 'taken_values', 'update_row', 'update_with_checks',
           'value_context']
