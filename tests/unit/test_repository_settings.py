"""CHATCORE_REPOSITORY_* settings: documented defaults, and bad values refused at start-up."""

import pytest

from chatcore.repositories.limits import MIB, RepositoryLimits
from entrypoints.settings import Settings


def test_the_limits_default_to_the_documented_values() -> None:
    limits = Settings.from_env({}, dotenv=None).repository_limits
    assert limits == RepositoryLimits(
        max_files=20_000, max_file_bytes=5 * MIB, max_total_bytes=200 * MIB, timeout_seconds=120
    )


def test_each_limit_is_read_from_its_variable() -> None:
    limits = Settings.from_env(
        {
            "CHATCORE_REPOSITORY_MAX_FILES": "10",
            "CHATCORE_REPOSITORY_MAX_FILE_BYTES": "1000",
            "CHATCORE_REPOSITORY_MAX_TOTAL_BYTES": "5000",
            "CHATCORE_REPOSITORY_TIMEOUT_SECONDS": "2.5",
        },
        dotenv=None,
    ).repository_limits
    assert limits == RepositoryLimits(10, 1000, 5000, 2.5)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CHATCORE_REPOSITORY_MAX_FILES", "0"),
        ("CHATCORE_REPOSITORY_MAX_FILES", "many"),
        ("CHATCORE_REPOSITORY_MAX_TOTAL_BYTES", "-1"),
        ("CHATCORE_REPOSITORY_TIMEOUT_SECONDS", "soon"),
        ("CHATCORE_REPOSITORY_TIMEOUT_SECONDS", "0"),
    ],
)
def test_a_limit_that_is_not_a_positive_number_is_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError, match="CHATCORE_REPOSITORY_"):
        Settings.from_env({name: value}, dotenv=None)
