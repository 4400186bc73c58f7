"""GET /api/v1/reports and friends: filters, keyset paging, visibility, categories."""

import base64
from datetime import UTC, datetime

import pytest

from neighborhood.core import transaction
from neighborhood.reports.services import Submission, submit_report

URL = "/api/v1/reports"
BBOX = "-71.07,42.35,-71.05,42.36"


def post_report(client, **overrides):
    data = {"category": "street_light_outage", "description": "Dark lamp.",
            "lat": 42.3550, "lon": -71.0656}
    data.update(overrides)
    resp = client.post(URL, json=data)
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def listed_ids(client, **query):
    resp = client.get(URL, query_string=query)
    assert resp.status_code == 200, resp.json
    assert resp.json["type"] == "FeatureCollection"
    return [f["id"] for f in resp.json["features"]]


def insert_at(app, when, category="street_light_outage"):
    """Store a report created at `when` through the service, and return its id."""
    data = {"category": category, "description": "Imported.", "lat": 42.355, "lon": -71.0656}
    with app.app_context():
        result = submit_report(Submission(data=data), source="app", now=when)
        transaction.commit()
        return result.report.id


@pytest.fixture
def categories(create_category):
    create_category()  # street_light_outage, lighting
    create_category(code="sign_repair", name="Sign repair", family="signs", sla_days=30)
    create_category(code="tree_in_park", name="Tree in park", family="parks", sla_days=None)
    create_category(code="unsanitary_food", name="Unsanitary food", family="problem_business",
                    sensitive=True)


# --- bbox ------------------------------------------------------------------------------------

def test_bbox_returns_only_points_inside_including_the_edges(client, categories):
    inside = post_report(client, lat=42.355, lon=-71.06)
    on_west_edge = post_report(client, lat=42.355, lon=-71.07)
    on_north_east_corner = post_report(client, lat=42.36, lon=-71.05)
    just_outside = post_report(client, lat=42.3601, lon=-71.06)
    far_away = post_report(client, lat=40.7128, lon=-74.0060)
    ids = listed_ids(client, bbox=BBOX)
    assert sorted(ids) == sorted([inside, on_west_edge, on_north_east_corner])
    assert just_outside not in ids and far_away not in ids
    assert len(listed_ids(client)) == 5


@pytest.mark.parametrize("bbox", ["1,2,3", "1,2,3,4,5", "a,b,c,d", "", "-71.05,42.35,-71.07,42.36",
                                  "-71.07,42.36,-71.05,42.35", "-71.07,42.35,-71.05,95",
                                  "-181,42.35,-71.05,42.36", "nan,42.35,-71.05,42.36",
                                  "-inf,42.35,-71.05,42.36"],
                         ids=["three-numbers", "five-numbers", "letters", "empty",
                              "min-lon-over-max", "min-lat-over-max", "lat-95", "lon-181",
                              "nan", "infinite"])
def test_malformed_bbox_is_refused(client, categories, bbox):
    resp = client.get(URL, query_string={"bbox": bbox})
    assert resp.status_code == 422, resp.json
    assert resp.json["errors"]["query"]["bbox"]


# --- category, family, status ----------------------------------------------------------------

def test_category_filter_accepts_several_codes(client, categories):
    light = post_report(client, category="street_light_outage")
    sign = post_report(client, category="sign_repair")
    tree = post_report(client, category="tree_in_park")
    assert listed_ids(client, category="sign_repair") == [sign]
    assert sorted(listed_ids(client, category=["sign_repair", "tree_in_park"])) == [sign, tree]
    assert listed_ids(client, category="no_such_code") == []
    assert light in listed_ids(client)


def test_family_filter(client, categories):
    post_report(client, category="street_light_outage")
    sign = post_report(client, category="sign_repair")
    tree = post_report(client, category="tree_in_park")
    assert listed_ids(client, family="signs") == [sign]
    assert sorted(listed_ids(client, family=["signs", "parks"])) == [sign, tree]


# Found by the OpenAPI contract run: PostgreSQL refuses a text with NUL in it (a 500).
@pytest.mark.parametrize("code", ["street\x00light", "\x17"], ids=["NUL", "control"])
def test_category_with_control_characters_is_refused(client, categories, code):
    resp = client.get(URL, query_string={"category": ["street_light_outage", code]})
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.json["errors"]["query"]["category"]


def test_unknown_family_or_status_is_refused(client, categories):
    for field, value in (("family", "weather"), ("status", "lost")):
        resp = client.get(URL, query_string={field: value})
        assert resp.status_code == 422
        assert field in resp.json["errors"]["query"]


def test_status_filter(client, categories):
    opened = post_report(client)
    assert listed_ids(client, status="open") == [opened]
    assert listed_ids(client, status=["resolved", "closed"]) == []
    assert listed_ids(client, status=["open", "closed"]) == [opened]


def test_pending_review_reports_are_never_listed(client, categories):
    visible = post_report(client)
    post_report(client, category="unsanitary_food")
    assert listed_ids(client) == [visible]
    expectations = [({"category": "unsanitary_food"}, []), ({"family": "problem_business"}, []),
                    ({"status": "pending_review"}, []),
                    ({"status": ["open", "pending_review"]}, [visible])]
    for query, expected in expectations:
        assert listed_ids(client, **query) == expected, query
    assert listed_ids(client, bbox=BBOX, limit=1000) == [visible]


# --- created_from / created_to ---------------------------------------------------------------

def test_created_range_is_inclusive_from_and_exclusive_to(app, client, categories):
    jan = insert_at(app, datetime(2024, 1, 15, 12, tzinfo=UTC))
    feb = insert_at(app, datetime(2024, 2, 1, 0, tzinfo=UTC))
    mar = insert_at(app, datetime(2024, 3, 1, 0, tzinfo=UTC))
    frm, to = "2024-02-01T00:00:00+00:00", "2024-03-01T00:00:00+00:00"
    assert listed_ids(client, created_from=frm) == [mar, feb]
    assert listed_ids(client, created_to=to) == [feb, jan]
    assert listed_ids(client, created_from=frm, created_to=to) == [feb]
    assert listed_ids(client, created_to="2024-01-01T00:00:00Z") == []


def test_naive_created_bounds_are_read_in_the_city_time_zone(app, client, categories):
    before = insert_at(app, datetime(2024, 3, 1, 4, 59, tzinfo=UTC))  # 23:59 EST, Feb 29
    after = insert_at(app, datetime(2024, 3, 1, 5, 0, tzinfo=UTC))  # 00:00 EST, Mar 1
    assert listed_ids(client, created_from="2024-03-01T00:00:00") == [after]
    assert listed_ids(client, created_to="2024-03-01T00:00:00") == [before]


def test_created_from_after_created_to_is_refused(client, categories):
    resp = client.get(URL, query_string={"created_from": "2024-03-01T00:00:00Z",
                                         "created_to": "2024-02-01T00:00:00Z"})
    assert resp.status_code == 422
    assert resp.json["errors"]["query"]["created_from"]


def test_malformed_created_from_is_refused(client, categories):
    resp = client.get(URL, query_string={"created_from": "last tuesday"})
    assert resp.status_code == 422
    assert resp.json["errors"]["query"]["created_from"]


# Found by the OpenAPI contract run: moving these to UTC overflowed Python's datetime (a 500).
@pytest.mark.parametrize("field, value", [("created_to", "9999-12-31T23:59:59"),
                                          ("created_from", "0001-01-01T00:00:00+14:00"),
                                          ("created_from", "1899-12-31T23:59:59Z"),
                                          ("created_to", "3000-01-01T00:00:00Z")],
                         ids=["year-9999-naive", "year-1-east-of-utc", "before-1900",
                              "after-2999"])
def test_created_bounds_outside_the_plausible_years_are_refused(client, categories, field,
                                                                value):
    resp = client.get(URL, query_string={field: value})
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.json["errors"]["query"][field] == ["Must be between the years 1900 and 2999."]


def test_created_bounds_at_the_plausible_limits_are_accepted(client, categories):
    post_report(client)
    assert len(listed_ids(client, created_from="1900-01-01T00:00:00",
                          created_to="2999-12-31T23:59:59")) == 1


# --- paging ----------------------------------------------------------------------------------

def test_cursor_pages_are_newest_first_without_overlap(client, categories):
    ids = [post_report(client, description=f"Report {i}.") for i in range(5)]
    pages, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        resp = client.get(URL, query_string=query)
        assert resp.status_code == 200
        pages.append([f["id"] for f in resp.json["features"]])
        cursor = resp.json["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 5, "paging does not terminate"
    assert [len(p) for p in pages] == [2, 2, 1]
    flat = [i for page in pages for i in page]
    assert flat == sorted(ids, reverse=True)
    assert len(set(flat)) == 5


def test_exactly_full_last_page_has_no_next_cursor(client, categories):
    for _ in range(4):
        post_report(client)
    first = client.get(URL, query_string={"limit": 2}).json
    second = client.get(URL, query_string={"limit": 2, "cursor": first["next_cursor"]}).json
    assert len(second["features"]) == 2
    assert second["next_cursor"] is None


def test_default_limit_is_100_and_one_page_has_no_cursor(client, categories):
    post_report(client)
    resp = client.get(URL)
    assert len(resp.json["features"]) == 1
    assert resp.json["next_cursor"] is None


def _b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", ["!!!!", "not-a-cursor", _b64("x:12"), _b64("r:abc"),
                                    _b64("r:-1"), _b64("r:"), "A" * 65, "//79"],
                         ids=["punctuation", "garbage", "wrong-kind", "not-digits", "negative",
                              "empty-id", "too-long", "invalid-utf8"])
def test_bad_cursor_is_refused(client, categories, cursor):
    resp = client.get(URL, query_string={"cursor": cursor})
    assert resp.status_code == 422, resp.json
    assert resp.json["errors"]["query"]["cursor"]


@pytest.mark.parametrize("report_id", [2**31, 2**63, 10**30],
                         ids=["beyond-int32", "beyond-int64", "thirty-digits"])
def test_cursor_with_a_huge_id_is_not_a_server_error(client, categories, report_id):
    post_report(client)
    resp = client.get(URL, query_string={"cursor": _b64(f"r:{report_id}")})
    assert resp.status_code in (200, 422), resp.get_data(as_text=True)
    assert resp.is_json


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "ten"])
def test_limit_out_of_range_is_refused(client, categories, limit):
    resp = client.get(URL, query_string={"limit": limit})
    assert resp.status_code == 422
    assert resp.json["errors"]["query"]["limit"]


# --- detail and categories -------------------------------------------------------------------

@pytest.mark.parametrize("report_id", [999999, 2**31, 2**63],
                         ids=["unused", "beyond-int32", "beyond-int64"])
def test_detail_of_an_unknown_report_is_a_json_404(client, categories, report_id):
    resp = client.get(f"{URL}/{report_id}")
    assert resp.status_code == 404
    assert resp.mimetype == "application/json"
    assert resp.json["code"] == 404 and resp.json["status"] == "Not Found"


def test_categories_lists_what_is_stored(client, categories):
    resp = client.get("/api/v1/categories")
    assert resp.status_code == 200
    by_code = {c["code"]: c for c in resp.json}
    assert set(by_code) == {"street_light_outage", "sign_repair", "tree_in_park",
                            "unsanitary_food"}
    assert by_code["street_light_outage"] == {"code": "street_light_outage",
                                              "name": "Street light outage",
                                              "family": "lighting", "sla_days": 15,
                                              "sensitive": False, "questions": []}
    assert by_code["sign_repair"]["sla_days"] == 30
    assert by_code["tree_in_park"]["sla_days"] is None
    assert by_code["unsanitary_food"]["sensitive"] is True  # the form says it is reviewed first


def test_unknown_query_parameter_is_refused_not_ignored(client):
    """A misspelt filter (?categroy=) must not silently return everything."""
    response = client.get("/api/v1/reports?categroy=street_light_outage")
    assert response.status_code == 422
    assert "categroy" in response.json["errors"]["query"]
