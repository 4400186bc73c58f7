"""THE role x endpoint matrix: the exact status code every role gets from every write endpoint.

Every cell starts from a fresh report: an admin submits it through the API and moves it to
the starting status the action needs; then the role under test makes one request. The
report's category is routed to Public Works (PWD); "staff_btd" is staff of Transportation.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from neighborhood.core.db import utcnow
from neighborhood.extensions import db
from neighborhood.reports.models import Category, Report

ROLES = ("anonymous", "resident", "officer", "staff_pwd", "staff_btd", "moderator", "admin")

# action -> the status code each role gets, in the order of ROLES.
MATRIX = {
    #                         anon  resid offic PWD   BTD   moder admin
    "submit_report":         (201,  201,  201,  201,  201,  201,  201),
    "acknowledge":           (401,  403,  201,  201,  403,  403,  201),
    "start":                 (401,  403,  403,  201,  403,  403,  201),
    "resolve":               (401,  403,  403,  201,  403,  403,  201),
    "close":                 (401,  403,  403,  201,  403,  201,  201),
    # A held report is invisible to those who may not see it: 404, not 401/403.
    "publish_held":          (404,  404,  404,  403,  404,  201,  201),
    # Anyone may reopen a resolved report for 30 days ...
    "reopen_resolved":       (201,  201,  201,  201,  201,  201,  201),
    # ... after that only the city may; every neighbour is told why (409), signed in or not.
    "reopen_after_window":   (409,  409,  409,  201,  409,  201,  201),
    "reassign":              (401,  403,  403,  201,  403,  201,  201),
    "support":               (201,  201,  201,  201,  201,  201,  201),
    # Accounts follow at once; anonymous visitors get a confirmation email first.
    "follow":                (202,  201,  201,  201,  201,  201,  201),
    "unfollow":              (401,  204,  204,  204,  204,  204,  204),
    # The department that resolved a report cannot vouch for its own fix.
    "confirm_fixed":         (201,  201,  201,  403,  201,  201,  201),
    "confirm_after_window":  (409,  409,  409,  403,  409,  409,  409),
    # Staff always get their own department's queue ...
    "queue":                 (401,  403,  403,  200,  200,  200,  200),
    # ... and never another department's.
    "queue_of_pwd":          (401,  403,  403,  200,  403,  200,  200),
}

DEVICE = {"device_id": "anonymous-device-0001"}
RESOLVE = {"to": "resolved", "note": "Lamp replaced."}


@dataclass(frozen=True)
class Action:
    """One request, and the state the report must be in before it."""

    method: str
    path: str  # "{id}" is the fresh report's id
    body: dict | None = None
    anonymous_body: dict | None = None  # what an anonymous caller sends instead
    held: bool = False  # start from the sensitive category (pending_review)
    moves: tuple[dict, ...] = ()  # the admin's transitions before the request
    start: str | None = "open"  # the status the report must have then (None: no report)
    backdate_days: int = 0  # move closed_at this many days into the past
    follow_first: bool = False  # an account follows the report before the request

    def body_for(self, role: str) -> dict | None:
        if role == "anonymous" and self.anonymous_body is not None:
            return self.anonymous_body
        return self.body


def transition(to: str, **fields) -> dict:
    return {"to": to, **fields}


ACTIONS = {
    "submit_report": Action("POST", "/api/v1/reports", start=None),
    "acknowledge": Action("POST", "/api/v1/reports/{id}/transitions", transition("acknowledged")),
    "start": Action("POST", "/api/v1/reports/{id}/transitions", transition("in_progress"),
                    moves=(transition("acknowledged"),), start="acknowledged"),
    "resolve": Action("POST", "/api/v1/reports/{id}/transitions", RESOLVE,
                      moves=(transition("acknowledged"), transition("in_progress")),
                      start="in_progress"),
    "close": Action("POST", "/api/v1/reports/{id}/transitions",
                    transition("closed", reason="not_city_responsibility",
                               note="The lamp is on private land.")),
    "publish_held": Action("POST", "/api/v1/reports/{id}/transitions", transition("open"),
                           held=True, start="pending_review"),
    "reopen_resolved": Action("POST", "/api/v1/reports/{id}/transitions",
                              transition("open", note="Dark again."), moves=(RESOLVE,),
                              start="resolved"),
    "reopen_after_window": Action("POST", "/api/v1/reports/{id}/transitions",
                                  transition("open", note="Dark again."), moves=(RESOLVE,),
                                  start="resolved", backdate_days=31),
    "reassign": Action("POST", "/api/v1/reports/{id}/reassign", {"department": "BTD"}),
    "support": Action("POST", "/api/v1/reports/{id}/support", anonymous_body=DEVICE),
    "follow": Action("POST", "/api/v1/reports/{id}/follow",
                     anonymous_body={"email": "neighbour@example.org"}),
    "unfollow": Action("DELETE", "/api/v1/reports/{id}/follow", follow_first=True),
    "confirm_fixed": Action("POST", "/api/v1/reports/{id}/confirmation", anonymous_body=DEVICE,
                            moves=(RESOLVE,), start="resolved"),
    "confirm_after_window": Action("POST", "/api/v1/reports/{id}/confirmation",
                                   anonymous_body=DEVICE, moves=(RESOLVE,), start="resolved",
                                   backdate_days=31),
    "queue": Action("GET", "/api/v1/queue", start=None),
    "queue_of_pwd": Action("GET", "/api/v1/queue?department=PWD", start=None),
}


@dataclass
class City:
    """The app, a client, a header set per role, and the report bodies."""

    app: object
    client: object
    headers: dict[str, dict]
    report_body: dict
    held_body: dict
    log: list = field(default_factory=list)

    def request(self, method: str, path: str, role: str, body: dict | None = None):
        return self.client.open(path, method=method, json=body, headers=self.headers[role])

    def new_report(self, held: bool = False) -> int:
        body = self.held_body if held else self.report_body
        response = self.request("POST", "/api/v1/reports", "admin", body)
        assert response.status_code == 201, response.json
        return response.json["id"]

    def move(self, report_id: int, body: dict, role: str = "admin"):
        return self.request("POST", f"/api/v1/reports/{report_id}/transitions", role, body)

    def status_of(self, report_id: int) -> str:
        with self.app.app_context():
            return db.session.get(Report, report_id).status

    def backdate(self, report_id: int, days: int) -> None:
        with self.app.app_context():
            report = db.session.get(Report, report_id)
            report.closed_at = utcnow() - timedelta(days=days)
            db.session.commit()

    def prepare(self, action: Action, role: str) -> int | None:
        """Make a fresh report in the action's starting status; return its id."""
        if action.start is None:
            return None
        report_id = self.new_report(action.held)
        for body in action.moves:
            response = self.move(report_id, body)
            assert response.status_code == 201, response.json
        if action.backdate_days:
            self.backdate(report_id, action.backdate_days)
        if action.follow_first and role != "anonymous":
            response = self.request("POST", f"/api/v1/reports/{report_id}/follow", role)
            assert response.status_code == 201, response.json
        assert self.status_of(report_id) == action.start
        return report_id

    def attempt(self, name: str, role: str) -> int:
        """Run one cell of the matrix; return the status code the role got."""
        action = ACTIONS[name]
        report_id = self.prepare(action, role)
        path = action.path.format(id=report_id)
        body = self.report_body if name == "submit_report" else action.body_for(role)
        response = self.request(action.method, path, role, body)
        self.log.append((name, role, response.status_code, response.get_json(silent=True)))
        if report_id is not None and response.status_code >= 400:
            assert self.status_of(report_id) == action.start, "a refused request changed it"
        if path.endswith("/transitions") and response.status_code == 201:
            assert response.json["status"] == body["to"] == self.status_of(report_id)
        return response.status_code


@pytest.fixture
def city(app, client, lifecycle_city, create_account, create_category, dummy_report_body):
    """Departments PWD and BTD, an ordinary and a held category, and one account per role."""
    held = create_category(code="offensive_graffiti", name="Offensive graffiti",
                           family="other", sensitive=True)
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.code == held))
        category.default_department_id = lifecycle_city["PWD"]
        db.session.commit()
    headers = {"anonymous": {}}
    for role in ROLES[1:]:
        department = {"staff_pwd": "PWD", "staff_btd": "BTD"}.get(role)
        account = create_account("staff" if department else role, department=department)
        headers[role] = account.headers
    return City(app, client, headers, dummy_report_body, {**dummy_report_body, "category": held})


def test_the_matrix_covers_every_action_and_role():
    assert set(MATRIX) == set(ACTIONS)
    assert all(len(row) == len(ROLES) for row in MATRIX.values())
    allowed_codes = {200, 201, 202, 204, 401, 403, 404, 409}
    assert {code for row in MATRIX.values() for code in row} <= allowed_codes


@pytest.mark.parametrize("action", list(MATRIX))
def test_permission_matrix(city, action):
    actual = {role: city.attempt(action, role) for role in ROLES}
    assert actual == dict(zip(ROLES, MATRIX[action])), city.log


# --- what the codes mean -----------------------------------------------------------------


def test_a_401_asks_for_credentials(city):
    report_id = city.new_report()
    response = city.move(report_id, {"to": "acknowledged"}, "anonymous")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="neighborhood"'


def test_staff_of_another_department_cannot_resolve(city):
    report_id = city.new_report()
    response = city.move(report_id, RESOLVE, "staff_btd")
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response.headers
    assert city.status_of(report_id) == "open"
    timeline = city.request("GET", f"/api/v1/reports/{report_id}", "admin").json
    assert [step["to"] for step in timeline["properties"]["timeline"]] == ["open"]


def test_staff_of_another_department_cannot_see_a_held_report(city):
    report_id = city.new_report(held=True)
    assert city.request("GET", f"/api/v1/reports/{report_id}", "staff_btd").status_code == 404
    assert city.request("GET", f"/api/v1/reports/{report_id}", "staff_pwd").status_code == 200


def test_a_reassigned_report_belongs_to_the_other_departments_staff(city):
    report_id = city.new_report()
    moved = city.request("POST", f"/api/v1/reports/{report_id}/reassign", "staff_pwd",
                         {"department": "BTD"})
    assert moved.status_code == 201
    assert city.move(report_id, {"to": "in_progress"}, "staff_pwd").status_code == 403
    assert city.move(report_id, {"to": "in_progress"}, "staff_btd").status_code == 201


def test_staff_see_only_their_own_departments_queue(city):
    report_id = city.new_report()
    pwd = city.request("GET", "/api/v1/queue", "staff_pwd").json
    btd = city.request("GET", "/api/v1/queue", "staff_btd").json
    assert [f["id"] for f in pwd["features"]] == [report_id]
    assert pwd["features"][0]["properties"]["contact"]["email"] == "resident@example.org"
    assert btd["total"] == 0 and btd["features"] == []


def test_a_neighbour_too_late_to_reopen_is_told_to_file_a_new_report(city):
    report_id = city.new_report()
    city.move(report_id, RESOLVE)
    city.backdate(report_id, 31)
    response = city.move(report_id, {"to": "open", "note": "Dark again."}, "resident")
    assert response.status_code == 409
    assert "file a new report" in response.json["message"]
    assert response.json["allowed"] == []
    assert city.status_of(report_id) == "resolved"


def test_an_illegal_move_is_a_409_listing_the_callers_moves(city):
    report_id = city.new_report()
    response = city.move(report_id, {"to": "resolved", "note": "x"}, "officer")
    assert response.status_code == 403
    response = city.move(report_id, {"to": "open", "note": "x"}, "officer")
    assert response.status_code == 409
    assert response.json["allowed"] == ["acknowledged"]


def test_officer_reports_are_marked_as_officer_reports(city):
    officer = city.request("POST", "/api/v1/reports", "officer", city.report_body)
    resident = city.request("POST", "/api/v1/reports", "resident", city.report_body)
    assert officer.json["properties"]["source"] == "officer"
    assert resident.json["properties"]["source"] == "app"


def test_anonymous_support_needs_a_device_id(city):
    report_id = city.new_report()
    response = city.request("POST", f"/api/v1/reports/{report_id}/support", "anonymous")
    assert response.status_code == 422
    assert "device_id" in response.json["errors"]["json"]
