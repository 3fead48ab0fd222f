"""Email addresses follow WHATWG's "valid email address", with a dot in the domain."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatcore.accounts.model import check_email
from chatcore.shared.errors import InvalidInput


@pytest.mark.parametrize(
    ("given_address", "canonical"),
    [
        ("a@example.com", "a@example.com"),
        ("  Jane.Doe+chat@Mail.Example.ORG ", "jane.doe+chat@mail.example.org"),
        ("o'brien!#$%&*/=?^_`{|}~-@x-1.example.co", "o'brien!#$%&*/=?^_`{|}~-@x-1.example.co"),
    ],
)
def test_valid_addresses_are_kept_in_canonical_form(given_address: str, canonical: str) -> None:
    assert check_email(given_address) == canonical


@pytest.mark.parametrize(
    "address",
    [
        "esc\x1b[31m@example.com",
        "nul\x00@example.com",
        "evil\u202emoc.elpmaxe@example.com",
        "bcc@example.com\r\nBcc: victim@example.com",
        "tab\tx@example.com",
        "del\x7f@example.com",
        "a@exa\u202emple.com",
        "a@example.com\x00",
        "two words@example.com",
        '"quoted"@example.com',
        "a@b@example.com",
        "no-at.example.com",
        "nodot@localhost",
        "a@-example.com",
        "a@example-.com",
        "a@example..com",
        "a@.example.com",
        "ünïcode@example.com",
        "a@exämple.com",
        "a@" + "l" * 64 + ".com",
        "l" * 65 + "@example.com",
        "a@" + ".".join(["d" * 63] * 4) + ".com",  # 263 characters: over 254
    ],
)
def test_anything_else_is_refused(address: str) -> None:
    with pytest.raises(InvalidInput):
        check_email(address)


@given(st.text(min_size=1, max_size=20), st.sampled_from(["a{}@example.com", "a@ex{}ample.com"]))
def test_no_accepted_address_holds_a_control_or_format_character(
    inserted: str, template: str
) -> None:
    try:
        canonical = check_email(template.format(inserted))
    except InvalidInput:
        return
    assert canonical.isascii() and canonical.isprintable() and " " not in canonical
