"""The `chatcore` command: serve the API, or manage users from the shell."""

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from chatcore.errors import DomainError
from chatcore.users import Role, Tier
from entrypoints.bootstrap import build
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

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except ValueError as error:
        parser.exit(2, f"chatcore: {error}\n")
    if args.command == "serve":
        return serve(settings)
    return create_user(settings, args)


def serve(settings: Settings) -> int:
    import uvicorn

    from entrypoints.http.app import create_app
    from entrypoints.server import UVICORN_OPTIONS, GracefulServer

    runtime = build(settings)
    app = create_app(
        runtime.core,
        on_shutdown=runtime.close,
        cors_origins=settings.cors_origins,
        inline_use_cases=runtime.database.in_process,
        rate_limits=settings.rate_limits,
        readiness=runtime.readiness_checks(),
    )
    access_log()
    config = uvicorn.Config(app, host=settings.host, port=settings.port, **UVICORN_OPTIONS)
    GracefulServer(config, app).run()
    return 0


def access_log() -> None:
    """The request log (entrypoints/http/request_log.py): bare JSON lines on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    access = logging.getLogger("chatcore.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False


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


if __name__ == "__main__":
    sys.exit(main())
