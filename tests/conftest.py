"""Shared fixtures: every database test runs on SpatiaLite and on PostGIS."""

import json
import shutil
from dataclasses import dataclass
import tempfile
from importlib import resources
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from neighborhood import create_app
from neighborhood.areas import services as area_services
from neighborhood.routing import services as routing_services
from neighborhood.config import TestConfig
from neighborhood.extensions import db
from tests.fixtures.postgres import TestPostgres

ENGINES = ("spatialite", "postgis")
# Emptied after every test, children first.
TABLES = ("content_flag", "banned_contact", "hotspot_cache", "outbox_message", "status_change",
          "support", "fix_confirmation",
          "plan_commitment", "plan_version", "plan",
          "follower", "idempotency_key", "photo", "open311_token", "report", "walk",
          "open311_api_key", "service_area", "category", "api_token", "user_account",
          "department", "area")


def pytest_addoption(parser):
    parser.addoption("--engines", default=",".join(ENGINES),
                     help="comma-separated database engines to run the tests on")


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames:
        wanted = metafunc.config.getoption("engines").split(",")
        marker = metafunc.definition.get_closest_marker("engines")
        if marker:
            wanted = [e for e in wanted if e in marker.args]
        metafunc.parametrize("engine", wanted, indirect=True, scope="session")


@pytest.fixture(scope="session")
def postgres_server():
    server = TestPostgres()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def engine(request):
    """The name of the engine under test (parametrized over --engines)."""
    return request.param


@pytest.fixture(scope="session")
def database_url(request, engine, tmp_path_factory):
    """A migrated, empty database on the engine under test, for the whole session."""
    if engine == "postgis":
        url = request.getfixturevalue("postgres_server").create_database("neighborhood_test")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('spatialite') / 'test.db'}"
    app = create_app(TestConfig, DATABASE_URL=url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url, engine):
    """An app on a clean database of the engine under test."""
    uploads = tempfile.mkdtemp(prefix="neighborhood-uploads-")
    app = create_app(TestConfig, DATABASE_URL=database_url, UPLOAD_DIR=uploads)
    app.config["ENGINE"] = engine
    yield app
    with app.app_context():
        db.session.rollback()
        with db.engine.begin() as conn:
            for table in TABLES:
                conn.execute(text(f"DELETE FROM {table}"))
        db.engine.dispose()
    area_services._cache.clear()
    routing_services._cache.clear()
    shutil.rmtree(uploads, ignore_errors=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context, for tests that read or write the database directly."""
    with app.app_context():
        yield


@pytest.fixture
def create_category(app):
    """Return a factory that stores a category and returns its code."""
    from neighborhood.reports.models import Category

    def create(code="street_light_outage", name="Street light outage", family="lighting",
               sla_days=15, sensitive=False):
        with app.app_context():
            db.session.add(Category(code=code, name=name, family=family, sla_days=sla_days,
                                    sensitive=sensitive))
            db.session.commit()
        return code

    return create


@pytest.fixture
def dummy_category(create_category):
    """A lighting category, street_light_outage, with a 15-day SLA."""
    return create_category()


@pytest.fixture
def boston_areas(app):
    """The real Boston neighborhoods, and their union as the city boundary."""
    data = resources.files("neighborhood.demo") / "data" / "boston-neighborhoods.geojson"
    features = json.loads(Path(str(data)).read_text(encoding="utf-8"))["features"]
    with app.app_context():
        area_services.replace_boundaries(features, city_name="Boston")
        db.session.commit()
    return features


@pytest.fixture
def dummy_report_body():
    """A valid JSON body for POST /api/v1/reports (Boston Common, street light out)."""
    return {"category": "street_light_outage", "description": "The lamp at the corner is dark.",
            "lat": 42.3550, "lon": -71.0656, "address": "Tremont St & Boylston St",
            "contact": {"email": "resident@example.org", "name": "Pat Resident",
                        "phone": "+1 617 555 0100"}}


@pytest.fixture
def create_department(app):
    """Return a factory that stores a department and returns its id."""
    from neighborhood.routing.models import Department

    def create(code="PWD", name="Public Works", email="publicworks@city.example"):
        with app.app_context():
            department = Department(code=code, name=name, email=email)
            db.session.add(department)
            db.session.commit()
            return department.id

    return create


@dataclass(frozen=True)
class Account:
    """A stored account and a bearer token for it."""

    id: int
    email: str
    role: str
    token: str

    @property
    def headers(self) -> dict:
        """Return the Authorization header that authenticates as this account."""
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def create_account(app):
    """Return a factory: create_account(role, department=CODE, password=...) -> Account."""
    from neighborhood.accounts.services import create_token, create_user

    counter = iter(range(1, 10_000))

    def create(role="resident", *, department=None, password=None, email=None):
        email = email or f"{role}{next(counter)}@city.example"
        with app.app_context():
            user = create_user(email, role, department=department, password=password)
            _, token = create_token(user, "test")
            db.session.commit()
            return Account(user.id, user.email, role, token)

    return create


@pytest.fixture
def lifecycle_city(app, boston_areas, create_department, create_category):
    """Two departments (PWD, BTD) and a lighting category routed to PWD by default."""
    from neighborhood.reports.models import Category

    pwd = create_department("PWD", "Public Works", "publicworks@city.example")
    btd = create_department("BTD", "Transportation", "transportation@city.example")
    code = create_category()
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.code == code))
        category.default_department_id = pwd
        db.session.commit()
    return {"PWD": pwd, "BTD": btd, "category": code}


@pytest.fixture
def sent_mail(app):
    """The emails the memory sender has sent in this test (after drains)."""
    return app.extensions["notify_sender"].sent


@pytest.fixture
def demo_server(app, database_url):
    """The Boston demo in the test database, served by its own process (for doc examples)."""
    from neighborhood.demo.services import seed_demo
    from tests.fixtures.live_server import LiveServer

    with app.app_context():
        seed_demo()
        db.session.commit()
    server = LiveServer(database_url, app.config["UPLOAD_DIR"])
    server.start()
    yield server
    server.stop()
