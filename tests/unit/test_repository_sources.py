"""The repository URL policy: the forms forges use pass, every trick to reach elsewhere fails."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatcore.repositories.sources import RepositorySource, RepositoryUrlPolicy
from chatcore.shared.errors import InvalidInput

DEFAULT = RepositoryUrlPolicy.from_prefixes(
    ["https://github.com/", "https://gitlab.com/", "https://bitbucket.org/"]
)


@pytest.mark.parametrize(
    ("url", "clone_url", "name"),
    [
        ("https://github.com/user/repo", "https://github.com/user/repo", "repo"),
        ("https://github.com/user/repo.git", "https://github.com/user/repo.git", "repo"),
        ("https://github.com/user/repo/", "https://github.com/user/repo", "repo"),
        ("https://github.com/user/repo.git/", "https://github.com/user/repo.git", "repo"),
        ("https://github.com/my-org/my.repo_2", "https://github.com/my-org/my.repo_2", "my.repo_2"),
        ("https://github.com/user/.github", "https://github.com/user/.github", ".github"),
        ("https://gitlab.com/group/repo", "https://gitlab.com/group/repo", "repo"),
        ("https://gitlab.com/group/sub/repo", "https://gitlab.com/group/sub/repo", "repo"),
        ("https://gitlab.com/a/b/c/repo.git", "https://gitlab.com/a/b/c/repo.git", "repo"),
        ("https://bitbucket.org/team/repo", "https://bitbucket.org/team/repo", "repo"),
        ("https://bitbucket.org/team/repo.git", "https://bitbucket.org/team/repo.git", "repo"),
        # Scheme and host compare case-insensitively (DNS does) and come out lower-cased.
        ("HTTPS://GitHub.COM/User/Repo", "https://github.com/User/Repo", "Repo"),
    ],
)
def test_usual_forge_urls_are_accepted_and_normalised(url: str, clone_url: str, name: str) -> None:
    assert DEFAULT.approve(url) == RepositorySource(clone_url=clone_url, default_name=name)


@pytest.mark.parametrize(
    "url",
    [
        # Other hosts, and hosts that only look like an allowed one.
        "https://evil.com/user/repo",
        "https://github.com.evil.com/user/repo",
        "https://evilgithub.com/user/repo",
        "https://api.github.com/user/repo",
        "https://github.com./user/repo",
        "https://xn--gthub-n4a.com/user/repo",
        "https://gіthub.com/user/repo",  # a Cyrillic і
        "https://github.com\u200b/user/repo",
        # Other schemes and the scp-like ssh form.
        "http://github.com/user/repo",
        "file:///etc/passwd",
        "file://github.com/user/repo",
        "ssh://git@github.com/user/repo.git",
        "ssh://github.com/user/repo.git",
        "git://github.com/user/repo.git",
        "git@github.com:user/repo.git",
        "github.com/user/repo",
        "//github.com/user/repo",
        "https:/github.com/user/repo",
        "https:github.com/user/repo",
        "ext::sh -c touch% /tmp/pwned",
        # Credentials and '@' tricks.
        "https://user:pass@github.com/user/repo",
        "https://user@github.com/user/repo",
        "https://:@github.com/user/repo",
        "https://github.com@evil.com/user/repo",
        "https://github.com:443@evil.com/user/repo",
        "https://github.com/user/repo@evil.com",
        # Ports, explicit or different.
        "https://github.com:443/user/repo",
        "https://github.com:8443/user/repo",
        "https://github.com:/user/repo",
        "https://github.com:0/user/repo",
        "https://github.com:99999/user/repo",
        # Dot segments and empty segments.
        "https://github.com/../evil/repo",
        "https://github.com/user/../repo",
        "https://github.com/user/./repo",
        "https://github.com/./user/repo",
        "https://github.com/user/repo/..",
        "https://github.com//user/repo",
        "https://github.com/user//repo",
        "https://github.com/user/repo//",
        # Percent-encoding, backslashes, whitespace and control characters.
        "https://github.com/%2e%2e/evil/repo",
        "https://github.com/user%2frepo/x",
        "https://github.com%40evil.com/user/repo",
        "https://github.com/user/re%70o",
        "https://github.com\\@evil.com/user/repo",
        "https://github.com/user\\repo",
        " https://github.com/user/repo",
        "https://github.com/user/repo ",
        "https://github.com/user/repo\n",
        "https://github.com/us er/repo",
        "https://github.com/user/repo\x00",
        "https://github.com/user/\trepo",
        "https://github.com/user/répo",
        # Queries and fragments.
        "https://github.com/user/repo?ref=main",
        "https://github.com/user/repo#readme",
        "https://github.com/user/repo?",
        # Empty owner or repository, or web pages rather than repositories.
        "",
        "https://github.com",
        "https://github.com/",
        "https://github.com/user",
        "https://github.com/user/",
        "https://github.com/user/.git",
        "https://github.com/user/repo/tree/main",
        "https://bitbucket.org/team/repo/src/main",
        "https://github.com/" + "a" * 2100 + "/repo",
    ],
)
def test_anything_else_is_refused_with_a_reason(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        DEFAULT.approve(url)
    assert refused.value.message


@pytest.mark.parametrize(
    ("url", "clone_url", "name"),
    [
        ("http://git.internal/project.git", "http://git.internal/project.git", "project"),
        ("https://git.example.org/project", "https://git.example.org/project", "project"),
        ("https://git.example.org/project/", "https://git.example.org/project", "project"),
        ("https://git.example.org/a/b/project", "https://git.example.org/a/b/project", "project"),
        ("https://git.example.org/cgit/project", "https://git.example.org/cgit/project", "project"),
    ],
)
def test_an_operators_own_server_admits_every_path_under_its_prefix(
    url: str, clone_url: str, name: str
) -> None:
    policy = RepositoryUrlPolicy.from_prefixes(
        ["http://git.internal/", "https://git.example.org/", "https://github.com/"]
    )
    assert policy.approve(url) == RepositorySource(clone_url=clone_url, default_name=name)


def test_a_one_segment_path_under_a_prefix_with_a_path_is_a_repository() -> None:
    policy = RepositoryUrlPolicy.from_prefixes(["https://git.example.org/cgit/"])
    assert policy.approve("https://git.example.org/cgit/project").default_name == "project"


@pytest.mark.parametrize("url", ["https://github.com/user", "https://bitbucket.org/team"])
def test_github_and_bitbucket_keep_exactly_owner_and_name(url: str) -> None:
    with pytest.raises(InvalidInput, match="OWNER/NAME"):
        DEFAULT.approve(url)


def test_the_refusal_names_the_allowed_prefixes() -> None:
    with pytest.raises(InvalidInput, match=r"https://github\.com/, https://gitlab\.com/"):
        DEFAULT.approve("https://evil.com/user/repo")


def test_credentials_are_named_as_the_reason() -> None:
    with pytest.raises(InvalidInput, match="credentials"):
        DEFAULT.approve("https://user:token@github.com/user/repo")


def test_a_prefix_with_a_port_allows_that_port_only() -> None:
    policy = RepositoryUrlPolicy.from_prefixes(["http://127.0.0.1:8123/"])
    assert policy.approve("http://127.0.0.1:8123/git/small.git").clone_url == (
        "http://127.0.0.1:8123/git/small.git"
    )
    for other in ("http://127.0.0.1/git/small.git", "http://127.0.0.1:8124/git/small.git"):
        with pytest.raises(InvalidInput):
            policy.approve(other)


def test_a_prefix_path_matches_whole_segments() -> None:
    policy = RepositoryUrlPolicy.from_prefixes(["https://github.com/acme"])
    assert policy.approve("https://github.com/acme/tool").default_name == "tool"
    for other in ("https://github.com/acmecorp/tool", "https://github.com/Acme/tool"):
        with pytest.raises(InvalidInput):
            policy.approve(other)
    with pytest.raises(InvalidInput, match="no repository"):
        policy.approve("https://github.com/acme/")


@pytest.mark.parametrize(
    "prefix", ["", "github.com/", "ssh://github.com/", "https://user@github.com/", "https://a b/"]
)
def test_a_malformed_configured_prefix_is_a_configuration_error(prefix: str) -> None:
    with pytest.raises(ValueError):
        RepositoryUrlPolicy.from_prefixes([prefix])


def test_no_prefix_at_all_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        RepositoryUrlPolicy.from_prefixes([])


# Property tests: whatever the generated parts, the attack shapes never pass.

segment = st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,20}", fullmatch=True).filter(
    lambda s: s not in (".", "..")
)
userinfo = st.text(min_size=0, max_size=20)
allowed_hosts = st.sampled_from(["github.com", "gitlab.com", "bitbucket.org"])


@given(user=userinfo, password=userinfo, host=allowed_hosts, owner=segment, repo=segment)
def test_urls_with_injected_credentials_are_refused(
    user: str, password: str, host: str, owner: str, repo: str
) -> None:
    for credentials in (f"{user}:{password}@", f"{user}@"):
        with pytest.raises(InvalidInput):
            DEFAULT.approve(f"https://{credentials}{host}/{owner}/{repo}")


@given(
    host=st.from_regex(r"[a-z0-9][a-z0-9.-]{0,30}", fullmatch=True).filter(
        lambda h: h not in ("github.com", "gitlab.com", "bitbucket.org")
    ),
    owner=segment,
    repo=segment,
)
def test_urls_on_any_other_host_are_refused(host: str, owner: str, repo: str) -> None:
    with pytest.raises(InvalidInput):
        DEFAULT.approve(f"https://{host}/{owner}/{repo}")


@given(host=allowed_hosts, port=st.integers(min_value=0, max_value=99999), owner=segment)
def test_urls_with_any_port_are_refused(host: str, port: int, owner: str) -> None:
    with pytest.raises(InvalidInput):
        DEFAULT.approve(f"https://{host}:{port}/{owner}/repo")


@given(host=allowed_hosts, owner=segment, repo=segment, slash=st.booleans())
def test_accepted_urls_are_normalised_once_and_for_all(
    host: str, owner: str, repo: str, slash: bool
) -> None:
    approved = DEFAULT.approve(f"https://{host}/{owner}/{repo}" + ("/" if slash else ""))
    assert approved.clone_url == f"https://{host}/{owner}/{repo}"
    assert DEFAULT.approve(approved.clone_url) == approved


SAFE = re.compile(r"https://(github\.com|gitlab\.com|bitbucket\.org)(/[A-Za-z0-9._~-]+){2,}")


@given(st.text(max_size=80) | st.builds("https://{}".format, st.text(max_size=60)))
def test_any_text_is_refused_or_becomes_a_plain_allowed_url(text: str) -> None:
    try:
        approved = DEFAULT.approve(text)
    except InvalidInput:
        return
    assert SAFE.fullmatch(approved.clone_url)
    assert "/../" not in approved.clone_url + "/" and "/./" not in approved.clone_url + "/"
