"""The settings' former home: `entrypoints.config` reads them now; these names stay."""

from entrypoints.config import DEFAULT_RATES, LOG_FORMATS, LOG_LEVELS, Settings

__all__ = ["DEFAULT_RATES", "LOG_FORMATS", "LOG_LEVELS", "Settings"]
