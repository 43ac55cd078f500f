"""Rows as JSON for the grid, the API and live updates: visible fields only, by their field types' JSON forms."""
from __future__ import annotations

from typing import Any

from ..people import access
from ..schema import RegisterSchema, Rights


def payload(register: RegisterSchema, granted: Rights, row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON for the grid and the API: visible fields only, by their types' JSON forms."""
    return payloads(register, granted, [row])[0]


def payloads(register: RegisterSchema, granted: Rights, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    columns = [(spec.name, spec.kind.to_json, spec, f'{spec.name}__title' if spec.ref else None)
               for spec in access.visible_fields(register, granted)]
    checks = bool(register.row_checklist)
    out = []
    for row in rows:
        item: dict[str, Any] = {'id': row['id'], '_v': row.get('version')}
        for name, to_json, spec, title in columns:
            if name in row:
                value = row[name]
                item[name] = None if value is None else to_json(value, spec)
            if title and title in row:
                item[title] = row[title]
        if checks:
            item['checks'] = row.get('checks') or {}
        for key in ('_moves', '_overdue', '_errors'):
            if key in row:
                item[key] = row[key]
        out.append(item)
    return out
