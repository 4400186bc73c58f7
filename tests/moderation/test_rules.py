"""The pure moderation rules: when flags hold a report, and how the ban list matches."""

import pytest

from neighborhood.moderation.rules import ban_pattern, ban_patterns_of, should_hide


def test_a_report_is_held_once_its_open_flags_reach_the_threshold():
    assert not should_hide(2, 3)
    assert should_hide(3, 3) and should_hide(4, 3)
    assert not should_hide(100, 0)  # 0 switches holding off


@pytest.mark.parametrize("raw, pattern", [
    ("Spam@Example.org", "spam@example.org"),
    ("example.org", "@example.org"),
    ("@Example.org.", "@example.org"),
    ("  mail.example.org ", "@mail.example.org"),
])
def test_ban_entries_are_stored_in_one_canonical_form(raw, pattern):
    assert ban_pattern(raw) == pattern


@pytest.mark.parametrize("raw", ["", "nodot", "a@b", "a b@example.org", "a@@example.org"])
def test_entries_that_are_neither_an_address_nor_a_domain_are_refused(raw):
    with pytest.raises(ValueError):
        ban_pattern(raw)


def test_an_address_is_banned_by_itself_its_domain_or_a_parent_domain():
    assert ban_patterns_of(" SPAM@Mail.Example.org ") == {
        "spam@mail.example.org", "@mail.example.org", "@example.org"}
    assert "@notbad.example" not in ban_patterns_of("x@bad.example")  # a different name
    assert ban_patterns_of(None) == ban_patterns_of("not-an-address") == set()
