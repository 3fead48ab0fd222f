"""/healthz (the process answers) and /readyz (what it depends on answers too)."""

import logging
from collections.abc import Callable, Mapping
from typing import Literal

import anyio
import attrs
from starlette.requests import Request

from entrypoints.http.converter import OutResponse
from entrypoints.http.openapi import ApiRoute, Operation

logger = logging.getLogger("chatcore.readiness")

# A named probe of one dependency: returns when it answers, raises when it does not.
ReadinessCheck = Callable[[], None]
# A load balancer asks every few seconds; an answer slower than this counts as down.
CHECK_TIMEOUT_SECONDS = 3.0


Readiness = Literal["ok", "degraded", "unavailable"]


@attrs.frozen
class HealthOut:
    status: Literal["ok"]


@attrs.frozen
class ReadinessOut:
    """Each check's verdict: "ok", "down: <reason>", or "degraded: <reason>" for what the
    server works on without (the details are in the log)."""

    status: Readiness
    checks: dict[str, str]


async def healthz(request: Request) -> OutResponse:
    return OutResponse(HealthOut("ok"))


async def readyz(request: Request) -> OutResponse:
    checks: Mapping[str, ReadinessCheck] = request.app.state.readiness
    verdicts = {name: await _verdict(name, check) for name, check in checks.items()}
    ready = all(verdict == "ok" for verdict in verdicts.values())
    # Down, these make the server work less well, not stop: a load balancer that took it
    # out of service for them would turn a missing login throttle into an outage.
    optional: Mapping[str, ReadinessCheck] = request.app.state.degradable
    degraded = False
    for name, check in optional.items():
        verdict = await _verdict(name, check)
        degraded |= verdict != "ok"
        verdicts[name] = verdict.replace("down:", "degraded:", 1)
    status: Readiness = "unavailable" if not ready else "degraded" if degraded else "ok"
    return OutResponse(ReadinessOut(status, verdicts), 200 if ready else 503)


async def _verdict(name: str, check: ReadinessCheck) -> str:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_SECONDS):
            # In a thread: a database that hangs must not hang the event loop with it.
            await anyio.to_thread.run_sync(check, abandon_on_cancel=True)
    except TimeoutError:
        logger.warning("readiness check %r: no answer in %ss", name, CHECK_TIMEOUT_SECONDS)
        return f"down: no answer in {CHECK_TIMEOUT_SECONDS:g}s"
    except Exception as error:
        # Only the kind of error goes out: messages can hold hosts, paths or credentials.
        logger.warning("readiness check %r failed", name, exc_info=True)
        return f"down: {type(error).__name__}"
    return "ok"


routes = [
    ApiRoute("GET", "/healthz", healthz, Operation(
        "The process is up", HealthOut, auth="none",
    )),
    ApiRoute("GET", "/readyz", readyz, Operation(
        "The database and storage answer", ReadinessOut, auth="none",
        other_responses={503: ReadinessOut},
        description="503 when a dependency is down; `checks` says which. `degraded` (still "
        "200): a dependency the server works on without is down, such as the Redis that "
        "counts login failures (logins then go unthrottled).",
    )),
]  # fmt: skip
