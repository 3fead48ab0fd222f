"""Optional dependencies: a missing one fails with the pip command that installs it."""

import importlib


class MissingExtra(ImportError):
    """A feature was asked for whose library comes with an extra that is not installed."""


def require_extra(module: str, extra: str, feature: str) -> None:
    """Import `module`, or raise MissingExtra naming `chatcore[extra]`, which installs it."""
    try:
        importlib.import_module(module)
    except ImportError as error:
        # Only the module itself missing: an error inside an installed one is not ours to
        # reword.
        if error.name is None or error.name.partition(".")[0] != module.partition(".")[0]:
            raise
        raise MissingExtra(
            f"{feature} needs {module}, which comes with chatcore's [{extra}] extra:"
            f" pip install 'chatcore[{extra}]'",
            name=module,
        ) from None
