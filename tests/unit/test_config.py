"""Settings from the environment and `.env`, read as dotenv defines the format."""

from pathlib import Path

import pytest

from entrypoints.config import Settings


def from_dotenv(tmp_path: Path, text: str, **environ: str) -> Settings:
    dotenv = tmp_path / ".env"
    dotenv.write_text(text, encoding="utf-8")
    return Settings.from_env(environ, dotenv=dotenv)


def test_a_comment_after_a_value_is_not_part_of_it(tmp_path: Path) -> None:
    settings = from_dotenv(
        tmp_path,
        "CHATCORE_PORT=8001 # the port behind the proxy\n"
        "CHATCORE_PUBLIC_URL=https://chat.example # where the emails link to\n",
    )
    assert settings.port == 8001
    assert settings.public_url == "https://chat.example"


def test_quotes_keep_what_is_inside_them_even_a_hash(tmp_path: Path) -> None:
    settings = from_dotenv(
        tmp_path,
        "CHATCORE_SECRET_KEY='a#secret with spaces'  # a comment\n"
        'CHATCORE_MAIL_FROM="Chat <chat#1@example.com>"\n'
        "CHATCORE_METRICS_TOKEN=pa$${word}\n",
    )
    assert settings.secret_key == "a#secret with spaces"
    assert settings.mail_from == "Chat <chat#1@example.com>"
    # Taken literally: nothing is expanded from the environment.
    assert settings.metrics_token == "pa$${word}"


def test_export_lines_are_read_as_the_shell_would(tmp_path: Path) -> None:
    settings = from_dotenv(tmp_path, "export CHATCORE_HOST=0.0.0.0\nexport CHATCORE_PORT=9000\n")
    assert (settings.host, settings.port) == ("0.0.0.0", 9000)


def test_the_environment_wins_over_the_file_and_empty_means_unset(tmp_path: Path) -> None:
    settings = from_dotenv(
        tmp_path,
        "CHATCORE_PORT=8001\nCHATCORE_HOST=0.0.0.0\nCHATCORE_DATABASE_URL=memory://\n",
        CHATCORE_PORT="8002",
        CHATCORE_DATABASE_URL="",
    )
    assert settings.port == 8002
    assert settings.host == "0.0.0.0"
    assert settings.database_url is None


def test_a_bad_value_in_the_file_names_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CHATCORE_PORT must be an integer, not 'eighty'"):
        from_dotenv(tmp_path, "CHATCORE_PORT=eighty # oops\n")
    with pytest.raises(ValueError, match="CHATCORE_METRICS must be 'on' or 'off'"):
        from_dotenv(tmp_path, "CHATCORE_METRICS=maybe\n")


def test_no_file_and_no_variables_give_the_defaults(tmp_path: Path) -> None:
    assert Settings.from_env({}, dotenv=tmp_path / "missing.env") == Settings()
