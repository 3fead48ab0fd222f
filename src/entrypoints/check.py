"""`chatcore check`: the settings in effect (secrets masked), and whether what they name
answers: the database, the object storage, the SMTP server, Redis.

For an operator before a start or after a change; `/readyz` answers the same question
for a load balancer, about a running server.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs

from adapters.smtp_mail import SmtpMailer
from chatcore.shared.rate_limits import Rate
from entrypoints.bootstrap import Runtime
from entrypoints.extras import require_extra
from entrypoints.settings import Settings

MASK = "***"
# Fields that are secrets whole, and fields that are URLs that may carry a password.
_SECRETS = {"secret_key", "metrics_token"}
_URLS = {"database_url", "storage_url", "smtp_url", "broker_url", "rate_limit_url"}


def effective_settings(settings: Settings) -> dict[str, Any]:
    """Every setting as JSON values, with secrets and URL passwords masked."""
    shown: dict[str, Any] = {}
    for field in attrs.fields(Settings):
        value = getattr(settings, field.name)
        if field.name in _SECRETS and value is not None:
            value = MASK
        elif field.name in _URLS and value is not None:
            value = masked_url(value)
        shown[field.name] = _json_value(value)
    return shown


def masked_url(url: str) -> str:
    """`url` with the password of its user info (if any) replaced by the mask."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))


def _json_value(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Rate):
        return f"{value.limit}/{value.period:g}"
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    if attrs.has(type(value)):
        return {key: _json_value(item) for key, item in attrs.asdict(value).items()}
    return value


def dependency_checks(runtime: Runtime, settings: Settings) -> dict[str, str]:
    """Each dependency's verdict: "ok", "not configured: …", or "down: <reason>"."""
    probes: dict[str, Callable[[], None] | str] = dict(runtime.readiness_checks())
    probes["smtp"] = (
        SmtpMailer(settings.smtp_url, settings.mail_from, settings.smtp_timeout_seconds).ping
        if settings.smtp_url is not None
        else "not configured: emails are written to the log"
    )
    redis_urls = {
        url
        for url in (settings.broker_url, settings.shared_limits_url)
        if url is not None and _is_redis(url)
    }
    if redis_urls:
        for number, url in enumerate(sorted(redis_urls)):
            probes["redis" if number == 0 else f"redis {masked_url(url)}"] = _redis_ping(url)
    else:
        probes["redis"] = "not configured: rooms and limits live in this process"
    return {name: _verdict(probe) for name, probe in probes.items()}


def _verdict(probe: Callable[[], None] | str) -> str:
    if isinstance(probe, str):
        return probe
    try:
        probe()
    except Exception as error:
        # The kind and the message: an operator at a terminal wants to know why.
        return f"down: {type(error).__name__}: {error}"
    return "ok"


def _is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "unix://"))


def _redis_ping(url: str) -> Callable[[], None]:
    def ping() -> None:
        require_extra("redis", "redis", "CHATCORE_BROKER_URL=redis://…")
        from adapters.redis_ping import ping as answered

        answered(url)

    return ping


def healthy(checks: dict[str, str]) -> bool:
    """Whether every configured dependency answered."""
    return all(
        verdict == "ok" or verdict.startswith("not configured") for verdict in checks.values()
    )
