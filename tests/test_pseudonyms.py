import hashlib
import hmac

import pytest
from django.test import override_settings

from engagement.ingest.pseudonyms import Pseudonymiser, normalise, pseudonymise


@pytest.mark.parametrize(
    "forms",
    [
        ["janedoe", "@JaneDoe", "JANEDOE", "  janedoe\t", "@janedoe "],
        ["Straße", "STRASSE", "strasse", "@straße"],
        ["Zoë", "ZOË", "@zoë"],
    ],
)
def test_forms_of_one_handle_are_one_citizen(forms):
    assert len({pseudonymise("twitter", form) for form in forms}) == 1


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("janedoe", "jane.doe"),
        ("janedoe", "jane doe"),
        ("janedoe", "@@janedoe"),  # only one leading @ is dropped
        ("janedoe", "janedoe1"),
        ("zoe", "zoë"),
    ],
)
def test_different_handles_are_different_citizens(one, other):
    assert pseudonymise("twitter", one) != pseudonymise("twitter", other)


def test_the_same_handle_on_two_platforms_is_two_citizens():
    assert pseudonymise("twitter", "janedoe") != pseudonymise("facebook", "janedoe")


@override_settings(PSEUDONYM_KEY="a-known-key")
def test_the_pseudonym_is_hmac_sha256_of_platform_and_normalised_identifier():
    expected = hmac.new(b"a-known-key", b"instagram:janedoe", hashlib.sha256).digest()
    assert pseudonymise("instagram", " @JaneDoe ") == expected
    assert len(expected) == 32


def test_the_pseudonym_depends_on_the_configured_key():
    with override_settings(PSEUDONYM_KEY="key-one"):
        first = pseudonymise("twitter", "janedoe")
    with override_settings(PSEUDONYM_KEY="key-two"):
        second = pseudonymise("twitter", "janedoe")
    assert first != second


def test_normalising_trims_drops_one_at_and_casefolds():
    assert normalise("  @@Straße ") == "@strasse"


def test_an_imports_pseudonymiser_gives_the_same_pseudonyms_and_forgets_beyond_its_limit():
    pseudonymiser = Pseudonymiser(remember=2)
    handles = ["@JaneDoe", "janedoe", "Straße", "zoë", "@JaneDoe"]
    assert [pseudonymiser("twitter", h) for h in handles] == [
        pseudonymise("twitter", h) for h in handles
    ]
    assert len(pseudonymiser._seen) <= 2
