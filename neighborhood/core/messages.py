"""Validation messages in the reader's language: marshmallow's and our schemas' English texts.

Marshmallow formats its messages in English before we see them ("Longer than maximum length
500."). Each known template becomes a pattern; a message that matches is rebuilt from the
catalog's translation with the values it carried. Unknown messages pass through unchanged.
"""

import re

from flask_babel import gettext


def N_(message: str) -> str:
    """Mark a message for extraction (pybabel -k N_) without translating it yet."""
    return message


# marshmallow's default texts (fields and validators) as they read once formatted, then the
# texts our own schemas raise. Placeholders are %(name)s, as in the catalog.
TEMPLATES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Invalid value."),
    N_("Not a valid string."),
    N_("Not a valid number."),
    N_("Not a valid integer."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid UUID."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("String does not match expected pattern."),
    N_("Must be one of: %(choices)s."),
    N_("Length must be between %(min)s and %(max)s."),
    N_("Length must be %(equal)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Shorter than minimum length %(min)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be less than or equal to %(max)s."),
    N_("Must be greater than %(min)s."),
    N_("Must be less than %(max)s."),
    N_("Must not contain control characters."),
    N_("Must be between the years 1900 and 2999."),
    N_("Dates must lie between 1970 and 2999."),
    N_("Must be before `to`."),
    N_("Must not be after created_to."),
    N_("Must not be before started_at."),
    N_("Must be four numbers: minLon,minLat,maxLon,maxLat."),
    N_("Give a category or a family, not both."),
    # Answers to a category's questions (reports/questions.py).
    N_("Not a question of this category."),
    N_("An answer is required."),
    N_("Unknown value %(value)s; one of: %(choices)s."),
    N_("Longer than %(limit)s characters."),
    N_("Must be a list of keys."),
    N_("Must be a single value."),
    N_("Must be a number."),
    N_("Must be a finite number."),
    N_("Must be an ISO 8601 date and time."),
    N_("Must carry a UTC offset (e.g. 2025-11-05T08:15:30-05:00)."),
    # Why a hotspot map cannot be drawn (spatial/hotspots.py, spatial/emerging.py).
    N_("Only %(n)s reports in this selection; a significance test needs at least %(min)s."),
    N_("The reports fall in only %(n)s cells; a significance test needs at least %(min)s. "
       "Try a finer resolution or all cells inside the city."),
    N_("Every cell has the same count: there is no variation to test."),
    N_("No cell has a neighbour in the set; widen k or include every cell inside the city."),
    N_("Only %(n)s time steps; trends need at least %(min)s (10 to 12 are better)."),
    N_("Every bin has the same count: there is no variation to test."),
    # Why a photo was refused (reports/photos.py).
    N_("the file is empty"),
    N_("the file is larger than %(size)s MB"),
    N_("the file is not a JPEG, PNG or WebP image"),
    N_("the image has more than %(pixels)s pixels"),
    N_("the image could not be decoded"),
)


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                    for i, part in enumerate(parts))
    return re.compile(f"^{regex}$")


_PATTERNS = tuple((_pattern(t), t) for t in TEMPLATES)


def localize(message: str) -> str:
    """Return a validation message in the current language (unchanged when unknown)."""
    for pattern, template in _PATTERNS:
        match = pattern.match(message)
        if match:
            return gettext(template, **match.groupdict())
    return message


def localize_errors(errors):
    """Return an error tree (field -> messages, nested) with every message localized."""
    if isinstance(errors, dict):
        return {key: localize_errors(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [localize_errors(value) for value in errors]
    if isinstance(errors, str):
        return localize(errors)
    return errors
