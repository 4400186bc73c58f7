"""Hostile uploads on every way a photo can arrive: refused with a 4xx that names the field and
says why, and nothing written (no report, photo or timeline row, no file under UPLOAD_DIR).

The corpus is tests/fixtures/hostile_files.py. The photo endpoints are:

* POST /api/v1/reports (multipart `photos`) - the API;
* POST /reports/new (multipart `photos`, CSRF token) - the form that works without JavaScript;
* POST /api/v1/reports/<id>/transitions (multipart `photo`) - staff resolving with a photo;
* POST /staff/reports/<id>/transition (multipart `photo`, CSRF) - the staff queue's form. Like
  every queue action it answers a refusal with a 303 back to the queue and the reason flashed
  (a no-JS form post): the test checks the flashed reason and that nothing was written.

Open311 (POST /open311/v2/requests.json) takes no uploads: GeoReport v2 only has `media_url`,
which is never fetched (the service_notice says so). A file part sent anyway is ignored: the
request is served as if it were not there, and no photo row or file is ever made from it.

Polyglots that begin with a whole decodable image (JPEG or PNG with HTML, script or a ZIP
after it, or script in EXIF and the comment) are accepted on purpose: the pipeline keeps only
pixels, so what is stored and served is a fresh JPEG that ends at its EOI marker with none of
the payload and no EXIF. Refusing them would also refuse ordinary phone photos that carry
trailing vendor data. The polyglot cases below check the stored file byte for byte.
"""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from neighborhood.config import TestConfig, request_size_limit
from neighborhood.extensions import db
from neighborhood.reports.models import Photo, Report
from neighborhood.workflow.models import StatusChange
from tests.fixtures.hostile_files import HostileFile, corpus, image_bytes

TEST_LIMITS = {"PHOTO_MAX_BYTES": TestConfig.PHOTO_MAX_BYTES,
               "PHOTO_MAX_PIXELS": TestConfig.PHOTO_MAX_PIXELS,
               "PHOTO_MAX_COUNT": TestConfig.PHOTO_MAX_COUNT}
TEST_LIMITS["MAX_CONTENT_LENGTH"] = request_size_limit(TEST_LIMITS)
IDS = [item.id for item in corpus(TEST_LIMITS)]
REFUSED = [item.id for item in corpus(TEST_LIMITS) if item.reason]
JPEG_EOI = b"\xff\xd9"


@pytest.fixture
def hostile(app, request) -> HostileFile:
    """The corpus entry named by the test's parameter, sized for this app's limits."""
    assert app.config["MAX_CONTENT_LENGTH"] == TEST_LIMITS["MAX_CONTENT_LENGTH"]
    return {item.id: item for item in corpus(app.config)}[request.param]


# --- what was written -------------------------------------------------------------------------

def files_under(app) -> set[Path]:
    return {p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Report, Photo, StatusChange)}


class Written:
    """The rows and files before a request, to compare with after it."""

    def __init__(self, app):
        self.app = app
        self.rows = counts(app)
        self.files = files_under(app)

    def nothing(self) -> None:
        assert counts(self.app) == self.rows
        assert files_under(self.app) == self.files

    def new_files(self) -> list[Path]:
        return sorted(files_under(self.app) - self.files)

    def new_rows(self) -> dict[str, int]:
        after = counts(self.app)
        return {table: after[table] - before for table, before in self.rows.items()}


def assert_reencoded(path: Path, item: HostileFile) -> None:
    """The stored file is a bare JPEG made from pixels: no payload, nothing after EOI."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xff\xd8\xff") and raw.endswith(JPEG_EOI)
    assert item.payload not in raw
    for leftover in (b"<script", b"<html", b"PK\x03\x04", b"Exif", b"SpyCam", b"onerror"):
        assert leftover not in raw, leftover
    with Image.open(io.BytesIO(raw)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "comment" not in image.info and "exif" not in image.info


# --- posting ----------------------------------------------------------------------------------

def multipart(client, url: str, fields: dict, file_field: str, item: HostileFile):
    """POST fields and one file, encoded in memory (the test client's spooled temp file for
    big bodies is never closed: a ResourceWarning, an error in this suite)."""
    data = dict(fields)
    data[file_field] = FileStorage(io.BytesIO(item.data), filename=item.filename,
                                   content_type=item.content_type)
    stream, length, boundary = stream_encode_multipart(data, use_tempfile=False)
    return client.post(url, input_stream=stream, content_length=length,
                       content_type=f'multipart/form-data; boundary="{boundary}"')


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def report_fields() -> dict:
    return {"category": "street_light_outage", "description": "The lamp at the corner is dark.",
            "lat": "42.3550", "lon": "-71.0656"}


@pytest.fixture
def open_report(client, lifecycle_city, dummy_report_body) -> int:
    """An open street-light report, routed to Public Works."""
    response = client.post("/api/v1/reports", json=dummy_report_body)
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.fixture
def pwd_staff(create_account):
    return create_account("staff", department="PWD")


@pytest.fixture
def staff_desk(app, pwd_staff):
    """A test client with a Public Works staff session (signing in itself is tested with the
    /login form elsewhere; here it would only spend a password hash per case)."""
    desk = app.test_client()
    with desk.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(pwd_staff.id), True
    assert desk.get("/staff/queue").status_code == 200
    return desk


def flashed(client, response) -> str:
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).text
    notices = re.findall(r'<p class="notice (\w+)"[^>]*>(.*?)</p>', html, flags=re.DOTALL)
    assert len(notices) == 1, notices
    return f"{notices[0][0]}: {notices[0][1].strip()}"


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;")


# --- POST /api/v1/reports -----------------------------------------------------------------------

@pytest.mark.parametrize("hostile", IDS, indirect=True)
def test_api_report_photo(app, client, lifecycle_city, hostile):
    written = Written(app)

    response = multipart(client, "/api/v1/reports", report_fields(), "photos", hostile)

    assert response.status_code == hostile.status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    if hostile.accepted:
        assert written.new_rows() == {"report": 1, "photo": 1, "status_change": 1}
        [stored] = written.new_files()
        assert_reencoded(stored, hostile)
        with client.get(response.json["properties"]["photos"][0]["url"]) as served:
            assert served.get_data() == stored.read_bytes()
            assert served.mimetype == "image/jpeg"
        return
    if hostile.status == 413:
        assert response.json["code"] == 413
    else:
        [message] = response.json["errors"]["files"]["photos"]
        assert message == f"{hostile.filename}: {hostile.reason}."
        assert hostile.reason in response.json["message"]
    written.nothing()


# --- POST /reports/new (no JavaScript) ----------------------------------------------------------

@pytest.mark.parametrize("hostile", IDS, indirect=True)
def test_web_form_photo(app, client, lifecycle_city, hostile):
    html = client.get("/reports/new").text
    fields = report_fields() | {
        "csrf_token": csrf_from(html),
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)}
    written = Written(app)

    response = multipart(client, "/reports/new", fields, "photos", hostile)

    if hostile.accepted:
        assert response.status_code == 303, response.text[:500]
        assert written.new_rows() == {"report": 1, "photo": 1, "status_change": 1}
        [stored] = written.new_files()
        assert_reencoded(stored, hostile)
        return
    assert response.status_code == hostile.status, response.text[:500]
    assert response.mimetype == "text/html"
    if hostile.reason:
        error = re.search(r'<p class="field-error" id="photos-error">(.*?)</p>', response.text)
        assert error, response.text
        assert escaped(f"{hostile.filename}: {hostile.reason}") in error.group(1)
        assert "The lamp at the corner is dark." in response.text  # the form kept its fields
    written.nothing()


# --- POST /api/v1/reports/<id>/transitions (staff resolving with a photo) -----------------------

@pytest.mark.parametrize("hostile", IDS, indirect=True)
def test_api_resolution_photo(app, client, open_report, pwd_staff, hostile):
    written = Written(app)
    fields = {"to": "resolved", "note": "Lamp head replaced."}
    data = dict(fields, photo=FileStorage(io.BytesIO(hostile.data), filename=hostile.filename,
                                          content_type=hostile.content_type))
    stream, length, boundary = stream_encode_multipart(data, use_tempfile=False)

    response = client.post(f"/api/v1/reports/{open_report}/transitions", input_stream=stream,
                           content_length=length, headers=pwd_staff.headers,
                           content_type=f'multipart/form-data; boundary="{boundary}"')

    assert response.status_code == hostile.status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    if hostile.accepted:
        assert written.new_rows() == {"report": 0, "photo": 1, "status_change": 1}
        [stored] = written.new_files()
        assert_reencoded(stored, hostile)
        return
    if hostile.reason:
        [message] = response.json["errors"]["files"]["photo"]
        assert f"{hostile.filename}: {hostile.reason}" in message
    written.nothing()
    with app.app_context():
        assert db.session.get(Report, open_report).status == "open"


# --- POST /staff/reports/<id>/transition (the staff queue's form) -------------------------------

@pytest.mark.parametrize("hostile", IDS, indirect=True)
def test_staff_form_resolution_photo(app, open_report, staff_desk, hostile):
    token = csrf_from(staff_desk.get("/staff/queue").text)
    fields = {"csrf_token": token, "next": "/staff/queue", "to": "resolved",
              "note": "Lamp head replaced."}
    written = Written(app)

    response = multipart(staff_desk, f"/staff/reports/{open_report}/transition", fields,
                         "photo", hostile)

    if hostile.accepted:
        assert flashed(staff_desk, response) == \
            f"ok: Report #{open_report} is now: Resolved."
        assert written.new_rows() == {"report": 0, "photo": 1, "status_change": 1}
        [stored] = written.new_files()
        assert_reencoded(stored, hostile)
        return
    if hostile.status == 413:
        assert response.status_code == 413
        assert response.mimetype == "text/html"
    else:  # a refused queue action: back to the queue with the reason, as every refusal
        notice = flashed(staff_desk, response)
        assert notice.startswith("error: Not done: ")
        assert escaped(f"{hostile.filename}: {hostile.reason}") in notice, notice
    written.nothing()
    with app.app_context():
        assert db.session.get(Report, open_report).status == "open"


# --- Open311: no uploads ------------------------------------------------------------------------

@pytest.fixture
def open311_key(app, lifecycle_city):
    from neighborhood.open311.cli import CONSOLE
    from neighborhood.open311.services import create_api_key

    with app.app_context():
        _, plain = create_api_key("Test CRM", actor=CONSOLE)
        db.session.commit()
    return plain


@pytest.mark.parametrize("hostile", IDS, indirect=True)
def test_open311_ignores_file_parts(app, client, open311_key, hostile):
    fields = {"api_key": open311_key, "service_code": "street_light_outage", "lat": "42.3550",
              "long": "-71.0656", "description": "The lamp at the corner is dark.",
              "media_url": "https://example.org/evil.svg"}
    written = Written(app)

    response = multipart(client, "/open311/v2/requests.json", fields, "media", hostile)

    if hostile.status == 413:  # the spec's errors are 400, 403, 404 (and 429)
        assert response.status_code == 400
        assert response.json[0]["code"] == 400
        written.nothing()
        return
    assert response.status_code == 201, response.text[:500]
    [created] = response.json
    assert created["service_notice"].startswith("media_url is not fetched")
    assert written.new_rows() == {"report": 1, "photo": 0, "status_change": 1}
    assert written.new_files() == []


# --- a good photo after a refused one ---------------------------------------------------------

@pytest.mark.parametrize("hostile", REFUSED[:1] + ["png-bomb-30000x30000"], indirect=True)
def test_a_refused_photo_among_good_ones_refuses_the_whole_report(app, client, lifecycle_city,
                                                                  hostile):
    """One bad file in three: the good ones before it are not stored either."""
    good = [FileStorage(io.BytesIO(image_bytes("JPEG")), filename=f"ok{i}.jpg",
                        content_type="image/jpeg") for i in range(2)]
    bad = FileStorage(io.BytesIO(hostile.data), filename=hostile.filename,
                      content_type=hostile.content_type)
    stream, length, boundary = stream_encode_multipart(
        report_fields() | {"photos": [*good, bad]}, use_tempfile=False)
    written = Written(app)

    response = client.post("/api/v1/reports", input_stream=stream, content_length=length,
                           content_type=f'multipart/form-data; boundary="{boundary}"')

    assert response.status_code == 422
    assert hostile.reason in response.json["errors"]["files"]["photos"][0]
    written.nothing()
