"""Settings from the environment (and ./.env): database, schema folder, data folder, secrets, limits."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


@dataclass(kw_only=True, slots=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(_env('PORTAL_DATA_DIR', 'data')))
    schema_dir: Path = field(default_factory=lambda: Path(_env('PORTAL_SCHEMA_DIR', 'schemas')))
    db_url: str = ''
    host: str = field(default_factory=lambda: _env('PORTAL_HOST', '127.0.0.1'))
    port: int = field(default_factory=lambda: int(_env('PORTAL_PORT', '8080')))
    redis_url: str | None = field(default_factory=lambda: _env('PORTAL_REDIS_URL') or _env('NICEGUI_REDIS_URL'))
    session_idle_minutes: int = field(default_factory=lambda: int(_env('PORTAL_SESSION_IDLE_MINUTES', '30')))
    session_max_hours: int = field(default_factory=lambda: int(_env('PORTAL_SESSION_MAX_HOURS', '12')))
    login_max_failures: int = field(default_factory=lambda: int(_env('PORTAL_LOGIN_MAX_FAILURES', '10')))
    login_window_minutes: int = field(default_factory=lambda: int(_env('PORTAL_LOGIN_WINDOW_MINUTES', '15')))
    import_max_mb: int = field(default_factory=lambda: int(_env('PORTAL_IMPORT_MAX_MB', '25')))
    recycle_days: int = field(default_factory=lambda: int(_env('PORTAL_RECYCLE_DAYS', '30')))
    backup_keep: int = field(default_factory=lambda: int(_env('PORTAL_BACKUP_KEEP', '7')))
    daily_backup: bool = field(default_factory=lambda: _env('PORTAL_DAILY_BACKUP', '0') == '1')
    seed_demo: bool = field(default_factory=lambda: _env('PORTAL_SEED_DEMO', '1') == '1')
    timezone: str = field(default_factory=lambda: _env('PORTAL_TZ', 'Asia/Shanghai'))

    def __post_init__(self) -> None:
        if not self.db_url:
            self.db_url = _env('PORTAL_DB_URL') or _env('DATABASE_URL') or f'sqlite://{self.data_dir / "portal.db"}'

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith('sqlite')

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.db_url.removeprefix('sqlite://')) if self.is_sqlite else None

    def storage_secret(self) -> str:
        """PORTAL_STORAGE_SECRET, or one generated once and kept in the data folder (mode 0600)."""
        value = _env('PORTAL_STORAGE_SECRET') or _env('STORAGE_SECRET')
        if value:
            return value
        path = self.data_dir / 'storage_secret'
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(32)
        path.write_text(value)
        path.chmod(0o600)
        return value


def load_dotenv(path: Path = Path('.env')) -> None:
    """Read KEY=VALUE lines from .env into the environment (existing variables win)."""
    if not path.exists():
        return
    for line in path.read_text(encoding='utf-8').splitlines():
        line = line.strip()
        if line and not line.startswith('#') and '=' in line:
            key, value = line.split('=', 1)
            os.environ.setdefault(key.strip(), value.strip().strip('"\''))
