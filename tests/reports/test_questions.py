"""A category's extra questions: definitions are checked, answers are validated."""

import pytest

from neighborhood.reports.questions import BadDefinition, check_answers, parse_questions

POLE = {"code": "pole_number", "datatype": "string", "description": "Pole number",
        "order": 1}
STATE = {"code": "light_state", "datatype": "singlevaluelist", "description": "State",
         "order": 2, "required": True,
         "values": [{"key": "dark", "name": "Dark"}, {"key": "flickering", "name": "Flickers"}]}
WHEN = {"code": "since", "datatype": "datetime", "description": "Since when", "order": 3}
COUNT = {"code": "lamps", "datatype": "number", "description": "How many lamps", "order": 4}
SIDES = {"code": "sides", "datatype": "multivaluelist", "description": "Which sides",
         "order": 5, "values": [{"key": "n", "name": "North"}, {"key": "s", "name": "South"}]}
NOTE = {"code": "note", "datatype": "text", "description": "Read this", "order": 6,
        "variable": False}
QUESTIONS = parse_questions([SIDES, POLE, STATE, WHEN, COUNT, NOTE])


def test_questions_come_back_in_their_order():
    assert [q.code for q in QUESTIONS] == ["pole_number", "light_state", "since", "lamps",
                                           "sides", "note"]
    assert parse_questions(None) == ()


@pytest.mark.parametrize("broken, reason", [
    ([{"code": "x", "datatype": "colour", "description": "?"}], "datatype"),
    ([{"code": "x", "datatype": "singlevaluelist", "description": "?"}], "needs values"),
    ([{"datatype": "string", "description": "?"}], "incomplete"),
    ([dict(POLE), dict(POLE)], "unique"),
    ([{**POLE, "order": 0}], "order"),
])
def test_an_unusable_definition_is_refused(broken, reason):
    with pytest.raises(BadDefinition, match=reason):
        parse_questions(broken)


def test_good_answers_are_cleaned():
    clean, errors = check_answers(QUESTIONS, {
        "pole_number": "  C-1234 ", "light_state": "dark", "since": "2015-06-01T20:00:00Z",
        "lamps": "2", "sides": ["s", "n", "s"]})
    assert errors == {}
    assert clean == {"pole_number": "C-1234", "light_state": "dark",
                     "since": "2015-06-01T20:00:00+00:00", "lamps": 2.0, "sides": ["s", "n"]}


def test_a_required_question_without_an_answer_is_named():
    clean, errors = check_answers(QUESTIONS, {"pole_number": "7", "light_state": " "})
    assert errors == {"light_state": ["An answer is required."]}


@pytest.mark.parametrize("answers, code, message", [
    ({"light_state": "purple"}, "light_state", "Unknown value 'purple'"),
    ({"lamps": "many"}, "lamps", "Must be a number."),
    ({"lamps": "inf"}, "lamps", "finite"),
    ({"since": "2015-06-01T20:00:00"}, "since", "UTC offset"),
    ({"since": "last week"}, "since", "ISO 8601"),
    ({"sides": ["n", "w"]}, "sides", "Unknown value 'w'"),
    ({"pole_number": "x" * 256}, "pole_number", "255"),
    ({"pole_number": "a\x00b"}, "pole_number", "control characters"),
    ({"pole_number": ["a"]}, "pole_number", "single value"),
    ({"note": "I answer"}, "note", "Not a question"),
    ({"colour": "red"}, "colour", "Not a question"),
])
def test_bad_answers_are_named_with_the_reason(answers, code, message):
    _, errors = check_answers(QUESTIONS, {"light_state": "dark", **answers})
    assert list(errors) == [code]
    assert message in errors[code][0]


def test_json_numbers_are_accepted_for_number_questions_but_booleans_are_not():
    clean, errors = check_answers(QUESTIONS, {"light_state": "dark", "lamps": 3})
    assert clean["lamps"] == 3.0 and errors == {}
    _, errors = check_answers(QUESTIONS, {"light_state": "dark", "lamps": True})
    assert "lamps" in errors
