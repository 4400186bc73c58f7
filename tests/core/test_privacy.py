"""Public locations: exact for ordinary categories, generalized for sensitive ones."""

from neighborhood.core.privacy import public_location


def test_ordinary_reports_keep_their_exact_place_and_address():
    place = public_location(-71.06561, 42.35503, "12 Tremont St", sensitive=False, decimals=3)
    assert (place.lon, place.lat, place.address, place.generalized) == (
        -71.06561, 42.35503, "12 Tremont St", False)


def test_sensitive_reports_are_rounded_and_lose_the_address():
    place = public_location(-71.06561, 42.35549, "12 Tremont St", sensitive=True, decimals=3)
    assert (place.lon, place.lat, place.address, place.generalized) == (
        -71.066, 42.355, None, True)


def test_no_decimals_setting_keeps_sensitive_reports_exact():
    place = public_location(-71.06561, 42.35549, "12 Tremont St", sensitive=True, decimals=None)
    assert (place.lon, place.address, place.generalized) == (-71.06561, "12 Tremont St", False)
