"""Sensitive categories (problem businesses) are published generalized; staff see them exact."""

import pytest

REPORTS = "/api/v1/reports"


@pytest.fixture
def published_business_report(client, lifecycle_city, create_category, create_account,
                              dummy_report_body):
    """An unsanitary-food report at an exact spot, published by a moderator."""
    create_category("unsanitary_food", "Unsanitary food handling", "problem_business", 2,
                    sensitive=True)
    response = client.post(REPORTS, json={**dummy_report_body, "category": "unsanitary_food",
                                          "lat": 42.35549, "lon": -71.06561,
                                          "address": "12 Tremont St (Joe's Diner)"})
    report_id = response.json["id"]
    moderator = create_account("moderator")
    assert client.post(f"{REPORTS}/{report_id}/transitions", json={"to": "open"},
                       headers=moderator.headers).status_code == 201
    return report_id


def test_the_public_sees_a_rounded_point_and_no_address(client, published_business_report):
    for feature in (client.get(REPORTS).json["features"][0],
                    client.get(f"{REPORTS}/{published_business_report}").json):
        assert feature["geometry"]["coordinates"] == [-71.066, 42.355]
        assert feature["properties"]["address"] is None
        assert feature["properties"]["location_generalized"] is True
        assert feature["properties"]["h3_r9"] is None  # the cell would narrow the point
    assert b"Joe's Diner" not in client.get(REPORTS).data


def test_ordinary_reports_are_exact(client, lifecycle_city, dummy_report_body):
    report_id = client.post(REPORTS, json=dummy_report_body).json["id"]
    feature = client.get(f"{REPORTS}/{report_id}").json
    assert feature["geometry"]["coordinates"] == [-71.0656, 42.355]
    assert feature["properties"]["location_generalized"] is False
    assert feature["properties"]["address"] == dummy_report_body["address"]


def test_staff_who_may_see_the_contact_see_the_exact_place(client, published_business_report,
                                                           create_account, app):
    from sqlalchemy import select, update

    from neighborhood.extensions import db
    from neighborhood.reports.models import Report
    from neighborhood.routing.models import Department

    with app.app_context():
        pwd = db.session.scalar(select(Department.id).where(Department.code == "PWD"))
        db.session.execute(update(Report).values(department_id=pwd))
        db.session.commit()
    staff = create_account("staff", department="PWD")
    feature = client.get(f"{REPORTS}/{published_business_report}", headers=staff.headers).json
    assert feature["geometry"]["coordinates"] == [-71.06561, 42.35549]
    assert feature["properties"]["address"] == "12 Tremont St (Joe's Diner)"
    queued = client.get("/api/v1/queue", headers=staff.headers).json
    item = queued["features"][0]
    assert item["geometry"]["coordinates"] == [-71.06561, 42.35549]
