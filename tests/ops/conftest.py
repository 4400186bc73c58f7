"""Fixtures for the operations tests: a city with reports, photos, timelines and followers."""

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from neighborhood.extensions import db
from neighborhood.reports.models import Follower, Photo, Report
from neighborhood.workflow.models import StatusChange

REPORTS = "/api/v1/reports"
CONTACT = {"email": "resident@example.org", "name": "Pat Resident", "phone": "+1 617 555 0100"}


@pytest.fixture(autouse=True)
def _pg_bin(request):
    """On PostGIS, use the pg_dump/pg_restore of the test server (same major version)."""
    if "app" in request.fixturenames and request.getfixturevalue("engine") == "postgis":
        bindir = request.getfixturevalue("postgres_server").bindir
        request.getfixturevalue("app").config["PG_BIN"] = str(bindir)


@dataclass(frozen=True)
class City:
    """The seeded reports by role in the story, and the staff account that worked them."""

    resolved: int  # acknowledged, then resolved with a note and a photo
    reassigned: int  # moved from PWD to BTD with a note, followed by a neighbour
    closed: int  # closed as not the city's responsibility
    staff_headers: dict


def submit(client, body, **changes) -> int:
    response = client.post(REPORTS, json={**body, **changes})
    assert response.status_code == 201, response.json
    return response.json["id"]


def transition(client, report_id, headers, **body) -> None:
    with client.post(f"{REPORTS}/{report_id}/transitions", json=body,
                     headers=headers) as response:
        assert response.status_code == 201, response.json


@pytest.fixture
def city(app, client, lifecycle_city, create_account, dummy_report_body) -> City:
    """Three reports with contacts, timelines, photo rows, answers and followers."""
    staff = create_account("staff", department="PWD")
    neighbour = create_account("resident")
    body = {**dummy_report_body, "contact": CONTACT}
    resolved = submit(client, body, description="The lamp at the corner is dark.")
    reassigned = submit(client, body, description="Flickering lamp, Tremont St.",
                        lat=42.3561, lon=-71.0621, address=None,
                        contact={"email": "other@example.org"})
    closed = submit(client, body, description="Private lamp in a courtyard.",
                    lat=42.3541, lon=-71.0689, contact={"name": "Sam", "phone": "555 0199"})

    transition(client, resolved, staff.headers, to="acknowledged")
    transition(client, resolved, staff.headers, to="resolved",
               note="Replaced the lamp; the reporter resident@example.org was called.")
    with client.post(f"{REPORTS}/{reassigned}/reassign", json={
            "department": "BTD", "note": "Traffic signal lamp."},
            headers=staff.headers) as response:
        assert response.status_code == 201, response.json
    transition(client, closed, staff.headers, to="closed", reason="not_city_responsibility",
               note="A private light.")
    for report_id, headers, email in ((reassigned, {}, "watcher@example.org"),
                                      (resolved, neighbour.headers, None),
                                      (resolved, {}, "late@example.org")):
        with client.post(f"{REPORTS}/{report_id}/follow",
                         json={"email": email} if email else {},
                         headers=headers) as response:
            assert response.status_code in (201, 202), response.json
    with app.app_context():
        for number, (report_id, kind) in enumerate(((resolved, "report"),
                                                    (resolved, "resolution"),
                                                    (reassigned, "report"))):
            db.session.add(Photo(report_id=report_id, key=f"{number:032x}", width=640,
                                 height=480, size_bytes=51_200 + number, kind=kind))
        db.session.get(Report, reassigned).answers = {"pole_number": "BX-12", "lit": False}
        db.session.commit()
    return City(resolved, reassigned, closed, staff.headers)


def table_rows(model) -> list[dict]:
    """Return every row of a model's table, all columns, geometry as WKT, ordered by id."""
    columns = [func.ST_AsText(column).label(column.name)
               if column.type.__class__.__name__ == "Geometry" else column
               for column in model.__table__.c]
    return [dict(row._mapping) for row in
            db.session.execute(select(*columns).order_by(model.__table__.c.id))]


def snapshot(app) -> dict[str, list[dict]]:
    """Return the rows that matter for a round trip: reports, timeline, photos, followers."""
    with app.app_context():
        return {model.__tablename__: table_rows(model)
                for model in (Report, StatusChange, Photo, Follower)}


def summary_counts(output: str) -> dict[str, int]:
    """Parse the '  table: 1,234' lines of a backup or restore summary."""
    return {m[1]: int(m[2].replace(",", ""))
            for m in re.finditer(r"^  ([a-z0-9_]+): ([\d,]+)$", output, re.MULTILINE)}
