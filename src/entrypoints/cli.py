"""The `chatcore` command: serve the API, or manage users and stored data from the shell."""

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs

from chatcore.accounts.model import Role, Tier, UserChanges, operator
from chatcore.shared.audit import AuditKind, AuditQuery
from chatcore.shared.errors import DomainError
from chatcore.shared.ids import UserId, is_valid_id
from entrypoints import logs
from entrypoints.bootstrap import build
from entrypoints.config import Settings
from entrypoints.extras import MissingExtra, require_extra
from entrypoints.http.ports import RoomBroker
from entrypoints.http.room_sign_outs import SIGN_OUTS, sign_out_event
from entrypoints.version import chatcore_version


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="chatcore", description=__doc__)
    parser.add_argument("--version", action="version", version=f"chatcore {chatcore_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_command = commands.add_parser("serve", help="serve the HTTP and WebSocket API")
    serve_command.add_argument("--host", help="listen address (default: CHATCORE_HOST)")
    serve_command.add_argument("--port", type=int, help="listen port (default: CHATCORE_PORT)")
    serve_command.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes on the one port (more than 1 needs CHATCORE_BROKER_URL=redis://…)",
    )

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

    users = commands.add_parser("users", help="list, show and manage accounts (as an admin)")
    user_commands = users.add_subparsers(dest="users_command", required=True)
    listing = user_commands.add_parser("list", help="live accounts as JSON lines, in id order")
    listing.add_argument("--after", metavar="USER_ID", help="start after this id (paging)")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (1–1000)")
    show = user_commands.add_parser("show", help="one account as JSON")
    show.add_argument("user", metavar="ID_OR_EMAIL")
    set_role = user_commands.add_parser("set-role", help="make an account an admin or a user")
    set_role.add_argument("user", metavar="ID_OR_EMAIL")
    set_role.add_argument("role", choices=[role.value for role in Role])
    for name, text in (
        ("deactivate", "take an account out of service: it is signed out everywhere"),
        ("activate", "put a deactivated account back in service"),
        ("delete", "delete an account, its chats and artifacts (soft, as the API does)"),
    ):
        user_commands.add_parser(name, help=text).add_argument("user", metavar="ID_OR_EMAIL")

    commands.add_parser(
        "check", help="print the settings in effect (secrets masked) and what answers"
    )

    backup_command = commands.add_parser(
        "backup", help="copy the SQLite database and stored files into a new folder, live"
    )
    backup_command.add_argument("destination", type=Path, help="a new (or empty) folder")

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
    try:
        settings = Settings.from_env()
    except ValueError as error:
        parser.exit(2, f"chatcore: {error}\n")
    logs.configure(settings.log_level, settings.log_format)
    try:
        if args.command == "serve":
            return serve(settings, args)
        if args.command == "audit":
            return print_audit(settings, args)
        if args.command == "users":
            return manage_users(settings, args)
        if args.command == "check":
            return check(settings)
        if args.command == "backup":
            return make_backup(settings, args.destination)
        if args.command == "purge":
            return purge_now(settings, args)
        return create_user(settings, args)
    except MissingExtra as error:
        print(f"chatcore: {error}", file=sys.stderr)
        return 2


def serve(settings: Settings, args: argparse.Namespace) -> int:
    require_extra("uvicorn", "server", "chatcore serve")
    from entrypoints import server

    settings = attrs.evolve(
        settings,
        host=settings.host if args.host is None else args.host,
        port=settings.port if args.port is None else args.port,
    )
    refusal = server.workers_refusal(settings, args.workers)
    if refusal is not None:
        print(f"chatcore: {refusal}", file=sys.stderr)
        return 2
    if args.workers == 1:
        return server.serve(settings)
    return server.serve_workers(settings, args.workers)


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


def manage_users(settings: Settings, args: argparse.Namespace) -> int:
    """`chatcore users …`: the account use cases, with the operator as an admin actor."""
    from entrypoints.http.views import user_view

    # Sign-outs (deactivate, delete) are told to the servers once the change is stored.
    signed_out = SignOutsToPublish()
    runtime = build(settings, sign_outs=signed_out)
    try:
        accounts = runtime.core.accounts
        actor = operator(datetime.now(UTC))
        command = args.users_command
        if command == "list":
            for user in accounts.list(actor, args.after, args.limit):
                print(json.dumps(user_view(user), sort_keys=True))
            return 0
        target = accounts.find(actor, args.user)
        if command == "delete":
            accounts.delete(actor, target.id)
            print(json.dumps({"deleted": target.id}))
            return 0
        if command != "show":
            changes = {
                "set-role": UserChanges(role=Role(getattr(args, "role", "user"))),
                "deactivate": UserChanges(active=False),
                "activate": UserChanges(active=True),
            }[command]
            target = accounts.update(actor, target.id, changes).user
        print(json.dumps(user_view(target), indent=2))
        return 0
    except DomainError as error:
        print(f"chatcore: {error.message}", file=sys.stderr)
        return 1
    finally:
        try:
            signed_out.publish(runtime.room_broker)
        finally:
            runtime.close()


class SignOutsToPublish:
    """The users a command signed out, to tell every server through the room broker.

    The servers' own notices publish from their running loop; a command has none, so it
    publishes once at its end. With the in-process broker no server can hear it (nor
    share the command's process): their re-check refuses the user's next frame instead.
    """

    def __init__(self) -> None:
        self.users: list[UserId] = []

    def signed_out(self, user_id: UserId) -> None:
        self.users.append(user_id)

    def publish(self, broker: RoomBroker) -> None:
        if not self.users:
            return

        async def tell() -> None:
            await broker.start(lambda room, event: None)
            try:
                for user_id in self.users:
                    await broker.publish(SIGN_OUTS, sign_out_event(user_id))
            finally:
                await broker.close()

        asyncio.run(tell())


def check(settings: Settings) -> int:
    """0 when every configured dependency answers, 1 otherwise (the JSON says which)."""
    from entrypoints.check import dependency_checks, effective_settings, healthy

    shown = effective_settings(settings)
    try:
        runtime = build(settings)
    except ValueError as error:
        print(json.dumps({"settings": shown, "error": str(error)}, indent=2))
        return 1
    try:
        checks = dependency_checks(runtime, settings)
    finally:
        runtime.close()
    print(json.dumps({"settings": shown, "checks": checks}, indent=2))
    return 0 if healthy(checks) else 1


def make_backup(settings: Settings, destination: Path) -> int:
    from entrypoints.backup import backup

    runtime = build(settings)
    try:
        made = backup(runtime, settings.data_dir, destination)
    except ValueError as error:
        print(f"chatcore: {error}", file=sys.stderr)
        return 2
    finally:
        runtime.close()
    print(json.dumps(made, indent=2))
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
        events = runtime.core.audit_trail.events(query)
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
