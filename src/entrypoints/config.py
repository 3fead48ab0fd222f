"""Configuration: one `Settings`, from CHATCORE_* environment variables and a `.env` file.

Each field names how its variable is read (`CHATCORE_` + the field's name in capitals,
unless it reads several); an unset or empty variable leaves the field's default. The
`.env` file is read by python-dotenv, as dotenv defines the format: `# comments` (also
after a value), single and double quotes, `export NAME=…`. Real environment variables win
over it. Values are taken literally: `${NAME}` is not expanded, so a secret may hold `$`.
"""

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
from dotenv import dotenv_values

from chatcore.accounts.throttle import PER_ACCOUNT, PER_ADDRESS
from chatcore.artifacts.library import DEFAULT_REPOSITORY_PREFIXES, ArtifactLimits
from chatcore.artifacts.texts import MIB, TextLimits
from chatcore.repositories.limits import RepositoryLimits
from chatcore.shared.errors import InvalidInput
from chatcore.shared.rate_limits import Rate
from chatcore.upkeep.purge import DEFAULT_AFTER

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

LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("json", "text")

# A variable's text (None: unset or empty).
Lookup = Callable[[str], str | None]
# One variable → the field's value (None: keep the default). Raises ValueError, naming it.
Reader = Callable[[str, str], Any]
# A field read from several variables: the lookup and the field's default → its value.
GroupReader = Callable[[Lookup, Any], Any]

_READ = "chatcore.read"


def _setting(default: Any, read: Reader | GroupReader, *, group: bool = False) -> Any:
    return attrs.field(default=default, metadata={_READ: (read, group)})


def _text(name: str, raw: str) -> str:
    return raw


def _path(name: str, raw: str) -> Path:
    return Path(raw)


def _integer(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None


def _seconds(name: str, raw: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not seconds > 0:
        raise ValueError(f"{name} must be positive, not {raw!r}")
    return seconds


def _list(name: str, raw: str) -> tuple[str, ...] | None:
    """Comma-separated items; none at all (`,`) counts as unset."""
    return tuple(item.strip() for item in raw.split(",") if item.strip()) or None


def _switch(name: str, raw: str) -> bool:
    if raw.lower() in ("on", "true", "1", "yes"):
        return True
    if raw.lower() in ("off", "false", "0", "no"):
        return False
    raise ValueError(f"{name} must be 'on' or 'off', not {raw!r}")


def _choice(choices: tuple[str, ...]) -> Reader:
    def read(name: str, raw: str) -> str:
        if raw.lower() not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
        return raw.lower()

    return read


def _repository_limits(get: Lookup, default: RepositoryLimits) -> RepositoryLimits:
    def integer(name: str, fallback: int) -> int:
        raw = get(f"CHATCORE_{name}")
        return fallback if raw is None else _integer(f"CHATCORE_{name}", raw)

    timeout = get("CHATCORE_REPOSITORY_TIMEOUT_SECONDS")
    try:
        return RepositoryLimits(
            max_files=integer("REPOSITORY_MAX_FILES", default.max_files),
            max_file_bytes=integer("REPOSITORY_MAX_FILE_BYTES", default.max_file_bytes),
            max_total_bytes=integer("REPOSITORY_MAX_TOTAL_BYTES", default.max_total_bytes),
            timeout_seconds=default.timeout_seconds if timeout is None else float(timeout),
        )
    except ValueError as error:
        raise ValueError(f"CHATCORE_REPOSITORY_* limits must be positive: {error}") from None


def _text_limits(get: Lookup, default: TextLimits) -> TextLimits:
    def read(name: str, reader: Reader, fallback: Any) -> Any:
        raw = get(f"CHATCORE_{name}")
        return fallback if raw is None else reader(f"CHATCORE_{name}", raw)

    try:
        return TextLimits(
            max_chars=read("TEXT_MAX_CHARS", _integer, default.max_chars),
            timeout_seconds=read("TEXT_TIMEOUT_SECONDS", _seconds, default.timeout_seconds),
            max_memory_bytes=read("TEXT_MAX_MEMORY_MB", _integer, default.max_memory_bytes // MIB)
            * MIB,
        )
    except ValueError as error:
        raise ValueError(f"CHATCORE_TEXT_* limits must be positive: {error}") from None


def _rates(get: Lookup, default: dict[str, Rate]) -> dict[str, Rate]:
    def rate(name: str, fallback: Rate) -> Rate:
        variable = f"CHATCORE_RATE_LIMIT_{name.upper()}"
        raw = get(variable)
        if raw is None:
            return fallback
        try:
            return Rate.parse(raw)
        except InvalidInput as error:
            raise ValueError(f"{variable}: {error.message}") from None

    return {name: rate(name, fallback) for name, fallback in default.items()}


@attrs.frozen
class Settings:
    """Everything a chatcore server or build is configured with; see `.env.example`."""

    host: str = _setting("127.0.0.1", _text)
    port: int = _setting(8000, _integer)
    data_dir: Path = _setting(Path("./var"), _path)
    database_url: str | None = _setting(None, _text)  # None: a SQLite file in the data dir
    storage_url: str | None = _setting(None, _text)  # None: a folder in the data dir
    # None: generated once and kept in the data dir.
    secret_key: str | None = _setting(None, _text)
    smtp_url: str | None = _setting(None, _text)  # None: emails go to the log
    mail_from: str = _setting("noreply@localhost", _text)
    # Per exchange with the SMTP server.
    smtp_timeout_seconds: float = _setting(10.0, _seconds)
    public_url: str = _setting("http://localhost:8000", _text)
    max_upload_bytes: int = _setting(ArtifactLimits().max_upload_bytes, _integer)
    repository_allowed_urls: tuple[str, ...] = _setting(DEFAULT_REPOSITORY_PREFIXES, _list)
    repository_limits: RepositoryLimits = _setting(
        RepositoryLimits(), _repository_limits, group=True
    )
    # Ingestion threads per process; 0: this process ingests none.
    repository_workers: int = _setting(2, _integer)
    # A crashed worker's job is taken over after this.
    repository_lease_seconds: float = _setting(30.0, _seconds)
    # How often idle workers look for work from elsewhere.
    repository_poll_seconds: float = _setting(5.0, _seconds)
    # What extracting one document's text may take (CHATCORE_TEXT_MAX_CHARS,
    # _TIMEOUT_SECONDS, _MAX_MEMORY_MB).
    text_limits: TextLimits = _setting(TextLimits(), _text_limits, group=True)
    # Extraction threads per process; 0: this process extracts none.
    text_workers: int = _setting(1, _integer)
    text_lease_seconds: float = _setting(30.0, _seconds)
    text_poll_seconds: float = _setting(5.0, _seconds)
    broker_url: str = _setting("memory://", _text)
    cors_origins: tuple[str, ...] = _setting((), _list)
    # Origins whose pages may open room sockets, besides the server's own; None: the CORS
    # origins. `*`: any.
    room_origins: tuple[str, ...] | None = _setting(None, _list)
    room_sockets_per_user: int = _setting(20, _integer)  # per server process; 0: no cap
    rate_limits: bool = _setting(True, _switch)
    rates: dict[str, Rate] = attrs.field(
        factory=lambda: dict(DEFAULT_RATES), metadata={_READ: (_rates, True)}
    )
    # None: the broker's Redis when CHATCORE_BROKER_URL is one, else in-process counts.
    rate_limit_url: str | None = _setting(None, _text)
    trusted_proxies: tuple[str, ...] = _setting((), _list)
    # Per account and address, before backing off.
    login_free_failures: int = _setting(PER_ACCOUNT.free, _integer)
    # Per address, whatever the account.
    login_address_free_failures: int = _setting(PER_ADDRESS.free, _integer)
    login_max_backoff: int = _setting(int(PER_ACCOUNT.cap.total_seconds()), _integer)  # s
    max_json_bytes: int = _setting(1_048_576, _integer)
    max_url_bytes: int = _setting(8192, _integer)
    max_header_bytes: int = _setting(16_384, _integer)
    max_ws_frame_bytes: int = _setting(65_536, _integer)
    log_level: str = _setting("info", _choice(LOG_LEVELS))
    log_format: str = _setting("json", _choice(LOG_FORMATS))
    metrics: bool = _setting(True, _switch)  # GET /metrics
    metrics_token: str | None = _setting(None, _text)  # None: /metrics is open
    # Deleted things' bytes and records go this long after.
    purge_after_days: int = _setting(DEFAULT_AFTER.days, _integer)
    # GET /chat/search, and the index it reads; off: no route (404), nothing indexed.
    search: bool = _setting(True, _switch)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
    ) -> "Settings":
        """Read settings from the environment; a `.env` file fills in what is unset.

        Raises ValueError naming the variable when a value cannot be read.
        """
        environ = os.environ if environ is None else environ
        from_file = (
            dotenv_values(dotenv, interpolate=False)
            if dotenv is not None and dotenv.is_file()
            else {}
        )

        def get(name: str) -> str | None:
            value = environ.get(name)
            if value is None:
                value = from_file.get(name)
            return value or None  # empty means unset

        values: dict[str, Any] = {}
        for field in attrs.fields(cls):
            read, group = field.metadata[_READ]
            if group:
                default = field.default
                if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                    default = default.factory()
                values[field.name] = read(get, default)
                continue
            variable = f"CHATCORE_{field.name.upper()}"
            raw = get(variable)
            value = None if raw is None else read(variable, raw)
            if value is not None:
                values[field.name] = value
        return cls(**values)

    @property
    def shared_limits_url(self) -> str | None:
        """The Redis that rate limits and login failures are counted in, if any."""
        if self.rate_limit_url is not None:
            return None if self.rate_limit_url == "memory://" else self.rate_limit_url
        return None if self.broker_url == "memory://" else self.broker_url
