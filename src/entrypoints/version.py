"""The installed chatcore's version, as `chatcore --version` and /openapi.json tell it."""

from importlib.metadata import PackageNotFoundError, version


def chatcore_version() -> str:
    try:
        return version("chatcore")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"
