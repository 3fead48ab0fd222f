"""The installed chatcore's version, as `chatcore --version` and /openapi.json tell it."""

from importlib.metadata import PackageNotFoundError, version


def _installed_version() -> str:
    try:
        return version("chatcore")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


# Read once, at import: looking it up reads package metadata from disk, and every app
# built (thousands, in an embedding host's tests) would otherwise read it again.
VERSION = _installed_version()


def chatcore_version() -> str:
    return VERSION
