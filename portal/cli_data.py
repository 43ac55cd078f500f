"""Data commands of the CLI (export, import, backup, restore, purge, report) — filled in by their issues."""
from __future__ import annotations


def add_commands(sub) -> None:
    return None


def handler(command: str):
    raise SystemExit(f'unknown command {command}')
