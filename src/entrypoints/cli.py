"""The `chatcore` command: serve the API, or manage users from the shell."""

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

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
    secret = create.add_mutually_exclusive_group()
    secret.add_argument(
        "--password-stdin", action="store_true", help="read the password from one line of stdin"
    )
    secret.add_argument(
        "--password", help="the password (visible in the process list: prefer --password-stdin)"
    )
    create.add_argument("--role", choices=[role.value for role in Role], default="user")
    create.add_argument("--tier", choices=[tier.value for tier in Tier], default="free")
    create.add_argument("--verified", action="store_true", help="skip email verification")
    create.epilog = "Without --password-stdin or --password, the password is asked twice."

    audit = commands.add_parser("audit", help="print security events as JSON lines, newest first")
    audit.add_argument("--user", help="only events about this user id")
    audit.add_argument("--event", choices=[kind.value for kind in AuditKind])
    audit.add_argument("--since", type=_moment, help="ISO 8601 time, e.g. 2025-11-04T10:00Z")
    audit.add_argument("--limit", type=int, default=100)

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
        mail=runtime.mail,
    )
    options = {**UVICORN_OPTIONS, "ws_max_size": settings.max_ws_frame_bytes}
    config = uvicorn.Config(app, host=settings.host, port=settings.port, **options)
    GracefulServer(config, app).run()
    return 0


def create_user(settings: Settings, args: argparse.Namespace) -> int:
    from entrypoints.http.views import user_view

    try:
        password = _password(args)
    except PasswordNotGiven as error:
        print(f"chatcore: {error}", file=sys.stderr)
        return 1
    runtime = build(settings)
    try:
        user = runtime.core.auth.create_user(
            args.username,
            args.email,
            password,
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


class PasswordNotGiven(Exception):
    """No usable password came: empty input, or the two prompts differed."""


def _password(args: argparse.Namespace) -> str:
    """The new user's password: from stdin, the hidden prompt, or (discouraged) the option."""
    if args.password is not None:
        print(
            "chatcore: warning: --password shows the password in the process list and the"
            " shell history; use --password-stdin or the prompt instead",
            file=sys.stderr,
        )
        return str(args.password)
    if args.password_stdin:
        # One line, as `docker login --password-stdin` reads it: the newline is not part of it.
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not password:
            raise PasswordNotGiven("--password-stdin read no password")
        return password
    password = getpass.getpass("Password: ")
    if not password:
        raise PasswordNotGiven("no password given")
    if getpass.getpass("Password (again): ") != password:
        raise PasswordNotGiven("the passwords do not match")
    return password


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


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


if __name__ == "__main__":
    sys.exit(main())
