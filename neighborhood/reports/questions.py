"""A category's extra questions (e.g. a street light's pole number) and checks of the answers.

Pure: no app, no database. The shape follows Open311 service definitions, so the same
questions serve the web form, the JSON API and /open311/v2/services/<code>.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
STRING_MAX = 255
TEXT_MAX = 4000


class BadDefinition(ValueError):
    """A question definition that cannot be used."""


@dataclass(frozen=True)
class Question:
    """One extra question of a category."""

    code: str
    datatype: str
    description: str
    required: bool = False
    order: int = 1
    variable: bool = True  # False: informational text, not answered
    datatype_description: str | None = None
    values: tuple[tuple[str, str], ...] = field(default=())  # (key, name) for the list types

    @property
    def keys(self) -> tuple[str, ...]:
        """Return the keys a list question accepts."""
        return tuple(key for key, _ in self.values)


def parse_questions(raw: list[dict] | None) -> tuple[Question, ...]:
    """Return the questions of a stored definition, in order; BadDefinition if it is unusable."""
    questions = []
    for item in raw or ():
        try:
            values = tuple((str(v["key"]), str(v["name"])) for v in item.get("values", ()))
            question = Question(
                code=str(item["code"]), datatype=item["datatype"],
                description=str(item["description"]), required=bool(item.get("required")),
                order=int(item.get("order", len(questions) + 1)),
                variable=bool(item.get("variable", True)),
                datatype_description=item.get("datatype_description"), values=values)
        except (KeyError, TypeError, ValueError) as exc:
            raise BadDefinition(f"Question {item!r} is incomplete: {exc}") from None
        if question.datatype not in DATATYPES:
            raise BadDefinition(f"Question {question.code}: unknown datatype {question.datatype}.")
        if question.datatype.endswith("valuelist") and not question.values:
            raise BadDefinition(f"Question {question.code}: a list needs values.")
        if not question.code or question.order < 1:
            raise BadDefinition(f"Question {question.code!r}: needs a code and an order >= 1.")
        questions.append(question)
    codes, orders = [q.code for q in questions], [q.order for q in questions]
    if len(set(codes)) != len(codes) or len(set(orders)) != len(orders):
        raise BadDefinition("Question codes and orders must be unique within a category.")
    return tuple(sorted(questions, key=lambda q: q.order))


def _one(question: Question, value) -> tuple[object, str | None]:
    """Return the cleaned answer to one question, or an error message."""
    if question.datatype == "multivaluelist":
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in items):
            return None, "Must be a list of keys."
        unknown = [v for v in items if v not in question.keys]
        if unknown:
            return None, f"Unknown value {unknown[0]!r}; one of: {', '.join(question.keys)}."
        return sorted(set(items), key=items.index), None
    if isinstance(value, (int, float)) and not isinstance(value, bool) \
            and question.datatype == "number":
        value = str(value)
    if not isinstance(value, str):
        return None, "Must be a single value."
    value = value.strip()
    if question.datatype == "number":
        try:
            number = float(value)
        except ValueError:
            return None, "Must be a number."
        return (number, None) if math.isfinite(number) else (None, "Must be a finite number.")
    if question.datatype == "datetime":
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None, "Must be an ISO 8601 date and time."
        if moment.tzinfo is None:
            return None, "Must carry a UTC offset (e.g. 2025-11-05T08:15:30-05:00)."
        return moment.isoformat(), None
    if question.datatype == "singlevaluelist":
        if value not in question.keys:
            return None, f"Unknown value {value!r}; one of: {', '.join(question.keys)}."
        return value, None
    limit = TEXT_MAX if question.datatype == "text" else STRING_MAX
    if len(value) > limit:
        return None, f"Longer than {limit} characters."
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value):
        return None, "Must not contain control characters."
    return value, None


def _blank(value) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str)
                                                           and not value.strip())


def check_answers(questions: tuple[Question, ...],
                  answers: dict) -> tuple[dict, dict[str, list[str]]]:
    """Return (clean answers, errors by question code); an empty or absent answer is no answer."""
    by_code = {q.code: q for q in questions if q.variable}
    clean: dict = {}
    errors: dict[str, list[str]] = {}
    for code, value in answers.items():
        if code not in by_code:
            errors[code] = ["Not a question of this category."]
        elif not _blank(value):
            cleaned, error = _one(by_code[code], value)
            if error:
                errors[code] = [error]
            else:
                clean[code] = cleaned
    for question in by_code.values():
        if question.required and question.code not in clean and question.code not in errors:
            errors[question.code] = ["An answer is required."]
    return clean, errors
