"""The pure moderation rules: when flags hold a report, and how the ban list matches."""

import pytest

from neighborhood.moderation.rules import ban_pattern, is_banned, should_hide


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
    patterns = {"spam@example.org", "@bad.example", "@junk.test"}
    assert is_banned("SPAM@example.org", patterns)
    assert not is_banned("ham@example.org", patterns)
    assert is_banned("x@bad.example", patterns)
    assert is_banned("x@mail.bad.example", patterns)  # a subdomain of a banned domain
    assert not is_banned("x@notbad.example", patterns)  # not a subdomain: a different name
    assert not is_banned(None, patterns) and not is_banned("not-an-address", patterns)
