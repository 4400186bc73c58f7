"""Validation messages in the reader's language: marshmallow's formatted English, matched."""

import pytest
from marshmallow import Schema, ValidationError, fields, validate

from neighborhood.core.messages import TEMPLATES, localize, localize_errors


class Sample(Schema):
    name = fields.String(required=True, validate=validate.Length(max=3))
    code = fields.String(validate=validate.Length(min=2, max=4))
    pin = fields.String(validate=validate.Length(equal=4))
    lat = fields.Float(validate=validate.Range(-90, 90))
    floor = fields.Integer(validate=validate.Range(min=0))
    ceiling = fields.Float(validate=validate.Range(max=10, max_inclusive=False))
    email = fields.Email()
    kind = fields.String(validate=validate.OneOf(["a", "b"]))


def messages_for(data: dict) -> dict:
    with pytest.raises(ValidationError) as caught:
        Sample().load(data)
    return caught.value.messages


@pytest.fixture
def spanish(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        yield


@pytest.fixture
def english(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


BAD = {"code": "x", "pin": "12", "lat": 91, "floor": -1, "ceiling": 10, "email": "nope",
       "kind": "c", "extra": 1}


@pytest.mark.engines("spatialite")
def test_every_marshmallow_message_a_schema_gives_is_translated(spanish):
    errors = messages_for(BAD)
    assert set(errors) == set(BAD) - {"extra"} | {"name", "extra"}
    localized = localize_errors(errors)
    for field, texts in errors.items():
        assert localized[field] != texts, (field, texts)  # known, so translated
    assert localized["lat"] == ["Debe ser mayor o igual que -90 y menor o igual que 90."]
    assert localized["floor"] == ["Debe ser mayor o igual que 0."]
    assert localized["ceiling"] == ["Debe ser menor que 10."]
    assert localized["code"] == ["La longitud debe estar entre 2 y 4."]
    assert localized["kind"] == ["Debe ser uno de: a, b."]


@pytest.mark.engines("spatialite")
def test_english_messages_come_back_unchanged(english):
    errors = messages_for(BAD | {"name": "toolong"})
    assert localize_errors(errors) == errors


@pytest.mark.engines("spatialite")
def test_unknown_messages_and_other_values_pass_through(spanish):
    tree = {"json": {"a": ["Something only we say."], "b": {"0": ["Unknown field."]}},
            "n": 3}
    assert localize_errors(tree) == {
        "json": {"a": ["Something only we say."], "b": {"0": ["Campo desconocido."]}}, "n": 3}


def test_templates_are_unique_and_end_like_sentences_or_reasons():
    assert len(TEMPLATES) == len(set(TEMPLATES))
    assert localize("Longer than maximum length 5.") == "Longer than maximum length 5."  # no app
