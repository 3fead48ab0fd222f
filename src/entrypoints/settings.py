"""Configuration from CHATCORE_* environment variables (a `.env` file may set them too)."""

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

from chatcore.accounts.throttle import PER_ACCOUNT, PER_ADDRESS
from chatcore.repositories.limits import RepositoryLimits
from chatcore.shared.errors import InvalidInput
from chatcore.shared.rate_limits import Rate

DEFAULT_ALLOWED_REPOSITORIES = "https://github.com/,https://gitlab.com/,https://bitbucket.org/"

# Requests per client address (and per account, when signed in), as COUNT/SECONDS. Each is
# set by CHATCORE_RATE_LIMIT_<CLASS>; entrypoints/http/limits.py says which route is which.
# Loose enough that a person never meets them; tight where each try is a guess or an email.
DEFAULT_RATES: dict[str, Rate] = {
    "login": Rate(20, 60),  # login and refresh
    "register": Rate(10, 3600),
    "password_reset": Rate(5, 900),  # reset-password-request and reset-password
    # Reset requests naming one email, from any address: its inbox is not flooded.
    "password_reset_email": Rate(3, 900),
    "verify_email": Rate(20, 900),
    # Uploads and artifact creation: 30 at once, then one every 20 s.
    "artifact_create": Rate(30, 600),
    "write": Rate(120, 60),  # any other POST, PUT, PATCH, DELETE (messages, renames, …)
    "read": Rate(1200, 60),  # any other GET, HEAD
    # Room frames per user, over all their sockets (and processes, with Redis): 10 at
    # once, then 5/s.
    "room_messages": Rate(10, 2),
    # Room sockets opened, per client address and per user: 30 at once, then one every 2 s.
    "room_connect": Rate(30, 60),
}


@attrs.frozen
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("./var")
    database_url: str | None = None  # None: a SQLite file in the data dir
    storage_url: str | None = None  # None: a folder in the data dir
    secret_key: str | None = None  # None: generated once and kept in the data dir
    smtp_url: str | None = None  # None: emails go to the log
    mail_from: str = "noreply@localhost"
    smtp_timeout_seconds: float = 10.0  # per exchange with the SMTP server
    public_url: str = "http://localhost:8000"
    max_upload_bytes: int = 52_428_800
    repository_allowed_urls: tuple[str, ...] = tuple(DEFAULT_ALLOWED_REPOSITORIES.split(","))
    repository_limits: RepositoryLimits = RepositoryLimits()
    repository_workers: int = 2  # ingestion threads per process; 0: this process ingests none
    repository_lease_seconds: float = 30.0  # a crashed worker's job is taken over after this
    repository_poll_seconds: float = 5.0  # how often idle workers look for work from elsewhere
    broker_url: str = "memory://"
    cors_origins: tuple[str, ...] = ()
    # Origins whose pages may open room sockets, besides the server's own; None: the CORS
    # origins. `*`: any.
    room_origins: tuple[str, ...] | None = None
    room_sockets_per_user: int = 20  # per server process; 0: no cap
    rate_limits: bool = True
    rates: dict[str, Rate] = attrs.field(factory=lambda: dict(DEFAULT_RATES))
    # None: the broker's Redis when CHATCORE_BROKER_URL is one, else in-process counts.
    rate_limit_url: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    login_free_failures: int = PER_ACCOUNT.free  # per account and address, before backing off
    login_address_free_failures: int = PER_ADDRESS.free  # per address, whatever the account
    login_max_backoff: int = int(PER_ACCOUNT.cap.total_seconds())  # seconds
    max_json_bytes: int = 1_048_576
    max_url_bytes: int = 8192
    max_header_bytes: int = 16_384
    max_ws_frame_bytes: int = 65_536
    log_level: str = "info"  # debug, info, warning, error
    log_format: str = "json"  # json (one object per line) or text
    metrics: bool = True  # GET /metrics
    metrics_token: str | None = None  # None: /metrics is open
    purge_after_days: int = 30  # deleted things' bytes and records go this long after

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
    ) -> "Settings":
        """Read settings from the environment; a `.env` file fills in what is unset."""
        values = dict(read_dotenv(dotenv)) if dotenv is not None and dotenv.is_file() else {}
        values.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = values.get(f"CHATCORE_{name}")
            return value if value not in (None, "") else None

        defaults = cls()
        return cls(
            host=get("HOST") or defaults.host,
            port=_integer("CHATCORE_PORT", get("PORT"), defaults.port),
            data_dir=Path(get("DATA_DIR") or defaults.data_dir),
            database_url=get("DATABASE_URL"),
            storage_url=get("STORAGE_URL"),
            secret_key=get("SECRET_KEY"),
            smtp_url=get("SMTP_URL"),
            mail_from=get("MAIL_FROM") or defaults.mail_from,
            smtp_timeout_seconds=_seconds(
                "CHATCORE_SMTP_TIMEOUT_SECONDS",
                get("SMTP_TIMEOUT_SECONDS"),
                defaults.smtp_timeout_seconds,
            ),
            public_url=get("PUBLIC_URL") or defaults.public_url,
            max_upload_bytes=_integer(
                "CHATCORE_MAX_UPLOAD_BYTES", get("MAX_UPLOAD_BYTES"), defaults.max_upload_bytes
            ),
            repository_allowed_urls=_list(get("REPOSITORY_ALLOWED_URLS"))
            or defaults.repository_allowed_urls,
            repository_limits=_repository_limits(get, defaults.repository_limits),
            repository_workers=_integer(
                "CHATCORE_REPOSITORY_WORKERS",
                get("REPOSITORY_WORKERS"),
                defaults.repository_workers,
            ),
            repository_lease_seconds=_seconds(
                "CHATCORE_REPOSITORY_LEASE_SECONDS",
                get("REPOSITORY_LEASE_SECONDS"),
                defaults.repository_lease_seconds,
            ),
            repository_poll_seconds=_seconds(
                "CHATCORE_REPOSITORY_POLL_SECONDS",
                get("REPOSITORY_POLL_SECONDS"),
                defaults.repository_poll_seconds,
            ),
            broker_url=get("BROKER_URL") or defaults.broker_url,
            cors_origins=_list(get("CORS_ORIGINS")),
            room_origins=_list(get("ROOM_ORIGINS")) or None,
            rate_limits=_switch("CHATCORE_RATE_LIMITS", get("RATE_LIMITS"), defaults.rate_limits),
            rates={
                name: _rate(
                    f"CHATCORE_RATE_LIMIT_{name.upper()}", get(f"RATE_LIMIT_{name.upper()}")
                )
                or default
                for name, default in defaults.rates.items()
            },
            rate_limit_url=get("RATE_LIMIT_URL"),
            trusted_proxies=_list(get("TRUSTED_PROXIES")),
            log_level=_choice(
                "CHATCORE_LOG_LEVEL", get("LOG_LEVEL"), LOG_LEVELS, defaults.log_level
            ),
            log_format=_choice(
                "CHATCORE_LOG_FORMAT", get("LOG_FORMAT"), LOG_FORMATS, defaults.log_format
            ),
            metrics=_switch("CHATCORE_METRICS", get("METRICS"), defaults.metrics),
            metrics_token=get("METRICS_TOKEN"),
            **{
                name: _integer(
                    f"CHATCORE_{name.upper()}", get(name.upper()), getattr(defaults, name)
                )
                for name in _INTEGER_LIMITS
            },
        )

    @property
    def shared_limits_url(self) -> str | None:
        """The Redis that rate limits and login failures are counted in, if any."""
        if self.rate_limit_url is not None:
            return None if self.rate_limit_url == "memory://" else self.rate_limit_url
        return None if self.broker_url == "memory://" else self.broker_url


LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("json", "text")

_INTEGER_LIMITS = (
    "login_free_failures",
    "login_address_free_failures",
    "login_max_backoff",
    "max_json_bytes",
    "max_url_bytes",
    "max_header_bytes",
    "max_ws_frame_bytes",
    "room_sockets_per_user",
    "purge_after_days",
)


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments skipped; optional quotes stripped."""
    values: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _integer(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None


def _seconds(name: str, raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not seconds > 0:
        raise ValueError(f"{name} must be positive, not {raw!r}")
    return seconds


def _repository_limits(
    get: Callable[[str], str | None], default: RepositoryLimits
) -> RepositoryLimits:
    def integer(name: str, fallback: int) -> int:
        return _integer(f"CHATCORE_{name}", get(name), fallback)

    timeout = get("REPOSITORY_TIMEOUT_SECONDS")
    try:
        return RepositoryLimits(
            max_files=integer("REPOSITORY_MAX_FILES", default.max_files),
            max_file_bytes=integer("REPOSITORY_MAX_FILE_BYTES", default.max_file_bytes),
            max_total_bytes=integer("REPOSITORY_MAX_TOTAL_BYTES", default.max_total_bytes),
            timeout_seconds=default.timeout_seconds if timeout is None else float(timeout),
        )
    except ValueError as error:
        raise ValueError(f"CHATCORE_REPOSITORY_* limits must be positive: {error}") from None


def _rate(name: str, raw: str | None) -> Rate | None:
    if raw is None:
        return None
    try:
        return Rate.parse(raw)
    except InvalidInput as error:
        raise ValueError(f"{name}: {error.message}") from None


def _choice(name: str, raw: str | None, choices: tuple[str, ...], default: str) -> str:
    if raw is None:
        return default
    if raw.lower() not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw.lower()


def _list(raw: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (raw or "").split(",") if item.strip())


def _switch(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    if raw.lower() in ("on", "true", "1", "yes"):
        return True
    if raw.lower() in ("off", "false", "0", "no"):
        return False
    raise ValueError(f"{name} must be 'on' or 'off', not {raw!r}")
