"""Settings from the environment (and ./.env): database, schema folder, data folder, secrets, limits."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from . import private


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
    session_idle_minutes: float = field(default_factory=lambda: float(_env('PORTAL_SESSION_IDLE_MINUTES', '30')))
    session_max_hours: float = field(default_factory=lambda: float(_env('PORTAL_SESSION_MAX_HOURS', '12')))
    # how often open pages are checked for sessions gone idle or over their lifetime (0 = a quarter of the idle
    # time, at most 30 s); events of a page are checked anyway, this only closes pages nobody touches
    session_sweep_seconds: float = field(default_factory=lambda: float(_env('PORTAL_SESSION_SWEEP_SECONDS', '0')))
    # login throttle: after `free` failures (per login / per client address) each further attempt waits twice as
    # long as the one before, up to the cap; failures older than the window are forgotten
    login_free_failures: int = field(default_factory=lambda: int(_env('PORTAL_LOGIN_FREE_FAILURES', '5')))
    login_address_free_failures: int = field(
        default_factory=lambda: int(_env('PORTAL_LOGIN_ADDRESS_FREE_FAILURES', '20')))
    login_max_delay_seconds: int = field(default_factory=lambda: int(_env('PORTAL_LOGIN_MAX_DELAY_SECONDS', '300')))
    login_window_minutes: int = field(default_factory=lambda: int(_env('PORTAL_LOGIN_WINDOW_MINUTES', '60')))
    password_min_score: int = field(default_factory=lambda: int(_env('PORTAL_PASSWORD_MIN_SCORE', '3')))
    import_max_mb: int = field(default_factory=lambda: int(_env('PORTAL_IMPORT_MAX_MB', '25')))
    import_max_rows: int = field(default_factory=lambda: int(_env('PORTAL_IMPORT_MAX_ROWS', '200000')))
    recycle_days: int = field(default_factory=lambda: int(_env('PORTAL_RECYCLE_DAYS', '30')))
    backup_keep: int = field(default_factory=lambda: int(_env('PORTAL_BACKUP_KEEP', '7')))
    daily_backup: bool = field(default_factory=lambda: _env('PORTAL_DAILY_BACKUP', '0') == '1')
    seed_demo: bool = field(default_factory=lambda: _env('PORTAL_SEED_DEMO', '1') == '1')
    timezone: str = field(default_factory=lambda: _env('PORTAL_TZ', 'Asia/Shanghai'))
    # attachments: a folder every process mounts (default <data_dir>/files); the address links in exports start with
    files_dir: Path | None = field(default_factory=lambda: Path(_env('PORTAL_FILES_DIR')) if _env('PORTAL_FILES_DIR')
                                   else None)
    public_url: str = field(default_factory=lambda: (_env('PORTAL_PUBLIC_URL') or '').rstrip('/'))
    deployment: str = field(default_factory=lambda: _env('PORTAL_DEPLOYMENT', ''))   # '' = the database's own id

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
        private.folder(self.data_dir)
        value = secrets.token_urlsafe(32)
        private.file(path).write_text(value)
        return value


def console_lang() -> str:
    """The language of messages on the console: PORTAL_LANG (zh/en), else English under an English locale."""
    chosen = (_env('PORTAL_LANG') or '').lower()
    if chosen in ('zh', 'en'):
        return chosen
    locale = _env('LC_ALL') or _env('LC_MESSAGES') or _env('LANG') or ''
    return 'en' if locale.lower().startswith('en') else 'zh'


def load_dotenv(path: Path = Path('.env')) -> None:
    """Read KEY=VALUE lines from .env into the environment (existing variables win)."""
    if not path.exists():
        return
    for line in path.read_text(encoding='utf-8').splitlines():
        line = line.strip()
        if line and not line.startswith('#') and '=' in line:
            key, value = line.split('=', 1)
            os.environ.setdefault(key.strip(), value.strip().strip('"\''))
