"""Fixtures for the Open311 tests: a small city with questions, a sensitive category, keys."""

import pytest
from sqlalchemy import select

from neighborhood.extensions import db

POLE = {"code": "pole_number", "datatype": "string", "required": False, "order": 1,
        "description": "Pole number"}
STATE = {"code": "light_state", "datatype": "singlevaluelist", "required": True, "order": 2,
         "description": "What is the light doing?",
         "values": [{"key": "dark", "name": "Dark"}, {"key": "flickering", "name": "Flickering"}]}


@pytest.fixture
def open311_city(app, lifecycle_city, create_category):
    """lifecycle_city, plus questions on street_light_outage, a sign and a sensitive category."""
    from neighborhood.reports.models import Category

    create_category("sign_repair", "Damaged sign", "signs", 14)
    create_category("unsanitary_food", "Unsanitary food handling", "problem_business", 2,
                    sensitive=True)
    with app.app_context():
        light = db.session.scalar(select(Category).where(Category.code == "street_light_outage"))
        light.questions = [POLE, STATE]
        db.session.commit()
    return lifecycle_city


@pytest.fixture
def create_api_key(app):
    """Return a factory: create_api_key(name) -> the plain key."""
    from neighborhood.open311.cli import CONSOLE
    from neighborhood.open311.services import create_api_key as issue

    def create(name="Test CRM"):
        with app.app_context():
            _, plain = issue(name, actor=CONSOLE)
            db.session.commit()
        return plain

    return create


@pytest.fixture
def api_key(create_api_key):
    """A valid api_key."""
    return create_api_key()


@pytest.fixture
def light_form(api_key):
    """A valid form-encoded POST /requests for a dark street light on Boston Common."""
    return {"api_key": api_key, "service_code": "street_light_outage", "lat": "42.3550",
            "long": "-71.0656", "description": "The lamp at the corner is dark.",
            "address_string": "Tremont St & Boylston St", "email": "resident@example.org",
            "first_name": "Pat", "last_name": "Resident", "phone": "+1 617 555 0100",
            "attribute[pole_number]": "C-1234", "attribute[light_state]": "dark"}
