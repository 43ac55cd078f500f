"""Database models: the portal's own tables, and one dynamic model per register built from its schema."""
from __future__ import annotations

import sys
import types

from tortoise import fields
from tortoise.models import Model

from ..schema import Catalog, RegisterSchema

ROWS_MODULE = 'portal_rows'


class User(Model):
    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    display_name = fields.CharField(max_length=64)
    password_hash = fields.TextField()
    roles = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    lang = fields.CharField(max_length=8, default='zh')
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(null=True)
    password_change_due = fields.BooleanField(default=False, null=True)   # a weak password seen at login

    class Meta:
        table = 'portal_users'
        app = 'portal'


class LoginAttempt(Model):
    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=64, db_index=True)
    at = fields.DatetimeField(db_index=True)
    ok = fields.BooleanField()
    ip = fields.CharField(max_length=64, null=True)

    class Meta:
        table = 'portal_login_attempts'
        app = 'portal'
        indexes = (('ip', 'at'),)     # the throttle counts an address's recent failures


class Session(Model):
    """A signed-in browser. Its cookie holds a random secret, the database only the secret's digest and the state:
    every request and every websocket event of its pages checks this row, so ending it ends them everywhere."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)    # sha256 of the secret (of the login ticket while pending)
    username = fields.CharField(max_length=64, db_index=True)
    pending = fields.BooleanField(default=False)          # a login ticket not yet redeemed by its browser
    browser = fields.CharField(max_length=64, null=True)  # digest of the browser id the ticket was issued to
    created_at = fields.DatetimeField()
    seen_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    end_reason = fields.CharField(max_length=16, null=True)   # logout, idle, expired, disabled, reset, password
    ip = fields.CharField(max_length=64, null=True)

    class Meta:
        table = 'portal_sessions'
        app = 'portal'


class AuditEntry(Model):
    """One changed value (or row event) — who, when, which row and field, old → new, from where."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(db_index=True)
    actor = fields.CharField(max_length=64)
    register = fields.CharField(max_length=64)
    row_id = fields.BigIntField(null=True)
    event = fields.CharField(max_length=16)   # create, update, delete, restore, check, transition, schema, user
    field = fields.CharField(max_length=64, null=True)
    old = fields.TextField(null=True)   # JSON text of the value (see audit.encode)
    new = fields.TextField(null=True)
    source = fields.CharField(max_length=16)  # grid, form, paste, fill, import, undo, redo, api, workflow, system
    action_id = fields.CharField(max_length=36, null=True, db_index=True)
    version = fields.IntField(null=True)

    class Meta:
        table = 'portal_audit'
        app = 'portal'
        indexes = (('register', 'row_id'), ('register', 'at'))


class UserAction(Model):
    """One undoable step of one user in one register (a cell edit, a paste, a fill, adds, deletes)."""

    id = fields.BigIntField(primary_key=True)                 # creation order (timestamps can tie)
    key = fields.CharField(max_length=36, unique=True)        # = AuditEntry.action_id
    actor = fields.CharField(max_length=64)
    register = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=16)
    state = fields.CharField(max_length=8, default='done')   # done, undone, dead, meta (an undo/redo step)
    undone_seq = fields.BigIntField(null=True)                # id of the undo step that undid it (redo order)
    summary = fields.TextField(default='')
    created_at = fields.DatetimeField()
    changed_at = fields.DatetimeField()

    class Meta:
        table = 'portal_actions'
        app = 'portal'
        indexes = (('actor', 'register', 'state'),)


class SavedView(Model):
    id = fields.BigIntField(primary_key=True)
    register = fields.CharField(max_length=64)
    owner = fields.CharField(max_length=64)
    name = fields.CharField(max_length=80)
    state = fields.JSONField()
    is_default = fields.BooleanField(default=False)
    role = fields.CharField(max_length=64, null=True)   # published to this role by an admin
    created_at = fields.DatetimeField()

    class Meta:
        table = 'portal_views'
        app = 'portal'
        indexes = (('register', 'owner'),)


class ApiToken(Model):
    id = fields.BigIntField(primary_key=True)
    username = fields.CharField(max_length=64, db_index=True)
    name = fields.CharField(max_length=80)
    prefix = fields.CharField(max_length=16, db_index=True)
    token_hash = fields.TextField()
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = 'portal_tokens'
        app = 'portal'


class SchemaState(Model):
    """What each register column held at the last migration (type changes are detected against it)."""

    id = fields.BigIntField(primary_key=True)
    register = fields.CharField(max_length=64)
    field = fields.CharField(max_length=64)
    type = fields.CharField(max_length=32)
    storage = fields.CharField(max_length=16)

    class Meta:
        table = 'portal_schema_state'
        app = 'portal'
        unique_together = (('register', 'field'),)


class PortalSetting(Model):
    """Facts about this database the portal keeps itself, such as the deployment id (its Redis channels' name)."""

    key = fields.CharField(max_length=64, primary_key=True)
    value = fields.TextField()

    class Meta:
        table = 'portal_settings'
        app = 'portal'


class ClosedMonth(Model):
    """A month closed (月结) by the leadership role: rows dated in it are read-only, and `totals` is the pay sheet's
    total per person at closing, so corrections made later show as adjustments."""

    id = fields.BigIntField(primary_key=True)
    month = fields.CharField(max_length=7, unique=True)      # YYYY-MM
    closed_by = fields.CharField(max_length=64)
    closed_at = fields.DatetimeField()
    totals = fields.JSONField(default=dict)

    class Meta:
        table = 'portal_closed_months'


class Correction(Model):
    """A change to a row of a closed month, made with a reason code (audited beside the row's own audit)."""

    id = fields.BigIntField(primary_key=True)
    month = fields.CharField(max_length=7, db_index=True)
    register = fields.CharField(max_length=64)
    row_id = fields.BigIntField(null=True)
    reason = fields.CharField(max_length=32)
    note = fields.TextField(default='')
    actor = fields.CharField(max_length=64)
    at = fields.DatetimeField()
    action_id = fields.CharField(max_length=36, null=True)

    class Meta:
        table = 'portal_corrections'


SYSTEM_MODELS = (User, LoginAttempt, Session, AuditEntry, UserAction, SavedView, ApiToken, SchemaState,
                 PortalSetting, ClosedMonth, Correction)


def build_row_model(register: RegisterSchema) -> type[Model]:
    """A tortoise model for one register: system columns plus one column per field (all nullable)."""
    attrs = {
        '__module__': ROWS_MODULE,
        'id': fields.BigIntField(primary_key=True),
        'version': fields.IntField(default=1),
        'created_by': fields.CharField(max_length=64, null=True),
        'created_at': fields.DatetimeField(null=True),
        'updated_by': fields.CharField(max_length=64, null=True),
        'updated_at': fields.DatetimeField(null=True),
        'deleted_at': fields.DatetimeField(null=True),
        'deleted_by': fields.CharField(max_length=64, null=True),
        'delete_batch': fields.CharField(max_length=36, null=True),
        'checks': fields.JSONField(null=True),
        'Meta': type('Meta', (), {'table': register.key, 'app': 'portal'}),
    }
    for spec in register.fields:
        attrs[spec.name] = spec.kind.column(spec)
    return type(f'Row_{register.key}', (Model,), attrs)


def install_row_models(catalog: Catalog) -> dict[str, type[Model]]:
    """Build every register's model into the module tortoise is told to load."""
    module = types.ModuleType(ROWS_MODULE)
    built = {key: build_row_model(reg) for key, reg in catalog.registers.items()}
    for model in built.values():
        setattr(module, model.__name__, model)
    module.__models__ = list(built.values())
    sys.modules[ROWS_MODULE] = module
    return built
