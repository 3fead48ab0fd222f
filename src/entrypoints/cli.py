"""The `chatcore` command: serve the API, or manage users and stored data from the shell."""

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from chatcore.audit import AuditKind, AuditQuery
from chatcore.errors import DomainError
from chatcore.ids import UserId, is_valid_id
from chatcore.users import Role, Tier
from entrypoints.bootstrap import build, open_rate_limiter
from entrypoints.extras import MissingExtra, require_extra
from entrypoints.settings import Settings
from entrypoints.version import chatcore_version


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chatcore", description=__doc__)
    parser.add_argument("--version", action="version", version=f"chatcore {chatcore_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("serve", help="serve the HTTP and WebSocket API")

    create = commands.add_parser("create-user", help="create a user and print it as JSON")
    create.add_argument("--email", required=True)
    create.add_argument("--username", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", choices=[role.value for role in Role], default="user")
    create.add_argument("--tier", choices=[tier.value for tier in Tier], default="free")
    create.add_argument("--verified", action="store_true", help="skip email verification")

    audit = commands.add_parser("audit", help="print security events as JSON lines, newest first")
    audit.add_argument("--user", help="only events about this user id")
    audit.add_argument("--event", choices=[kind.value for kind in AuditKind])
    audit.add_argument("--since", type=_moment, help="ISO 8601 time, e.g. 2025-11-04T10:00Z")
    audit.add_argument("--limit", type=int, default=100)

    purge = commands.add_parser(
        "purge", help="purge what was deleted long enough ago now, and print the counts as JSON"
    )
    purge.add_argument(
        "--older-than-days",
        type=_days,
        help="purge what was deleted more than this many days ago"
        " (default: CHATCORE_PURGE_AFTER_DAYS)",
    )

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except ValueError as error:
        parser.exit(2, f"chatcore: {error}\n")
    try:
        if args.command == "serve":
            return serve(settings)
        if args.command == "audit":
            return print_audit(settings, args)
        if args.command == "purge":
            return purge_now(settings, args)
        return create_user(settings, args)
    except MissingExtra as error:
        print(f"chatcore: {error}", file=sys.stderr)
        return 2


def serve(settings: Settings) -> int:
    require_extra("uvicorn", "server", "chatcore serve")
    import uvicorn

    from entrypoints.http.app import create_app
    from entrypoints.http.client_address import ClientAddresses
    from entrypoints.http.limits import RateLimits
    from entrypoints.http.request_limits import RequestSizes
    from entrypoints.http.request_log import BatchedLines
    from entrypoints.server import UVICORN_OPTIONS, GracefulServer

    try:
        runtime = build(settings)
    except ValueError as error:
        # A configuration error (a bad URL or prefix): say which, without a traceback.
        print(f"chatcore: {error}", file=sys.stderr)
        return 2
    addresses = ClientAddresses(settings.trusted_proxies)
    rate_limits = None
    if settings.rate_limits:
        rate_limits = RateLimits(
            limiter=open_rate_limiter(settings),
            rates=settings.rates,
            addresses=addresses,
            tokens=runtime.core.ports.tokens,
        )
    app = create_app(
        runtime.core,
        on_shutdown=runtime.close,
        cors_origins=settings.cors_origins,
        inline_use_cases=runtime.in_process,
        rate_limits=rate_limits,
        request_sizes=RequestSizes(
            max_json_bytes=settings.max_json_bytes,
            max_url_bytes=settings.max_url_bytes,
            max_header_bytes=settings.max_header_bytes,
        ),
        client_addresses=addresses,
        readiness=runtime.readiness_checks(),
        access_log=BatchedLines(sys.stderr),
        ingestion=runtime.ingestion,
        purge=runtime.purge,
    )
    options = {**UVICORN_OPTIONS, "ws_max_size": settings.max_ws_frame_bytes}
    config = uvicorn.Config(app, host=settings.host, port=settings.port, **options)
    GracefulServer(config, app).run()
    return 0


def create_user(settings: Settings, args: argparse.Namespace) -> int:
    from entrypoints.http.views import user_view

    runtime = build(settings)
    try:
        user = runtime.core.auth.create_user(
            args.username,
            args.email,
            args.password,
            Role(args.role),
            Tier(args.tier),
            verified=args.verified,
        )
    except DomainError as error:
        print(f"chatcore: {error.message}", file=sys.stderr)
        return 1
    finally:
        runtime.close()
    print(json.dumps(user_view(user), indent=2))
    return 0


def print_audit(settings: Settings, args: argparse.Namespace) -> int:
    from adapters.log_audit import event_fields

    if args.limit < 1:
        print("chatcore: --limit must be at least 1", file=sys.stderr)
        return 2
    if args.user is not None and not is_valid_id(args.user):
        print(f"chatcore: --user {args.user!r} is not a user id", file=sys.stderr)
        return 2
    query = AuditQuery(
        user_id=None if args.user is None else UserId(args.user),
        kind=None if args.event is None else AuditKind(args.event),
        since=args.since,
        limit=args.limit,
    )
    runtime = build(settings)
    try:
        events = runtime.core.ports.audit.query(query)
    finally:
        runtime.close()
    for event in events:
        print(json.dumps(event_fields(event), sort_keys=True))
    return 0


def purge_now(settings: Settings, args: argparse.Namespace) -> int:
    # Not claimed as the daily run is: an operator asked for it, so it runs now, and a
    # purge running meanwhile elsewhere only finds less to do (every step is idempotent).
    try:
        runtime = build(settings)
    except ValueError as error:
        print(f"chatcore: {error}", file=sys.stderr)
        return 2
    try:
        after = None if args.older_than_days is None else timedelta(days=args.older_than_days)
        report = runtime.core.purge.run(after)
    finally:
        runtime.close()
    cutoff = report.cutoff.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    print(json.dumps({"cutoff": cutoff, "purged": report.counts()}, indent=2))
    return 0


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {text!r}") from None
    if not days >= 0 or days == float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more days: {text!r}")
    return days


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


if __name__ == "__main__":
    sys.exit(main())
