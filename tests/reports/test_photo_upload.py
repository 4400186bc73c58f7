"""Multipart submissions with photos: limits, re-encoding without metadata, visibility."""

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from neighborhood.extensions import db
from neighborhood.reports.models import Photo, Report

URL = "/api/v1/reports"
GPS_IFD = 0x8825


def jpeg(size=(64, 48), color=(200, 30, 30), **save_kwargs) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", **save_kwargs)
    return out.getvalue()


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 255, 128)).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (42.0, 21.0, 0.0)
    gps[3], gps[4] = "W", (71.0, 3.0, 0.0)
    return jpeg(exif=exif.tobytes())


def form(**overrides):
    data = {"category": "street_light_outage", "description": "The lamp at the corner is dark.",
            "lat": "42.355", "lon": "-71.0656"}
    data.update(overrides)
    return data


def send_multipart(client, fields, files):
    """POST a multipart body encoded in memory (the test client spools big bodies to a temp
    file that it never closes, which filterwarnings=error turns into a failure)."""
    data = dict(fields)
    for name, parts in files.items():
        data[name] = [FileStorage(io.BytesIO(raw), filename=filename, content_type="image/jpeg")
                      for filename, raw in parts]
    stream, length, boundary = stream_encode_multipart(data, use_tempfile=False)
    return client.post(URL, input_stream=stream, content_length=length,
                       content_type=f'multipart/form-data; boundary="{boundary}"')


def post_multipart(client, photos=(), **overrides):
    return send_multipart(client, form(**overrides), {"photos": list(photos)})


def stored_files(app):
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def assert_nothing_written(app):
    with app.app_context():
        assert db.session.scalar(select(func.count(Report.id))) == 0
        assert db.session.scalar(select(func.count(Photo.id))) == 0
    assert stored_files(app) == []


def fetch_photo(client, url):
    with client.get(url) as resp:  # a send_file response holds the file open until closed
        assert resp.status_code == 200
        assert resp.mimetype == "image/jpeg"
        raw = resp.get_data()
    image = Image.open(io.BytesIO(raw))
    assert image.format == "JPEG"
    return raw, image


@pytest.mark.parametrize("count", [1, 3])
def test_photos_are_accepted_listed_and_served_as_jpeg(app, client, dummy_category, count):
    photos = [(f"p{i}.jpg", jpeg(size=(64 + i, 48))) for i in range(count - 1)]
    photos.append(("last.png", png()))
    resp = post_multipart(client, photos)
    assert resp.status_code == 201, resp.json
    listed = resp.json["properties"]["photos"]
    assert len(listed) == count
    for photo in listed:
        assert set(photo) == {"url", "width", "height"}
        _, image = fetch_photo(client, photo["url"])
        assert image.size == (photo["width"], photo["height"])
    assert [p["width"] for p in listed] == [64 + i for i in range(count - 1)] + [40]
    assert len(stored_files(app)) == count
    detail = client.get(f"{URL}/{resp.json['id']}").json
    assert detail["properties"]["photos"] == listed


def test_photo_urls_do_not_reveal_the_uploaded_filename(client, dummy_category):
    resp = post_multipart(client, [("my-home-address.jpg", jpeg())])
    assert "my-home-address" not in resp.json["properties"]["photos"][0]["url"]


def test_four_photos_are_refused_and_nothing_is_written(app, client, dummy_category):
    resp = post_multipart(client, [(f"p{i}.jpg", jpeg()) for i in range(4)])
    assert resp.status_code == 422
    assert resp.json["errors"]["files"]["photos"]
    assert_nothing_written(app)


def test_gps_exif_is_stripped_from_the_served_photo(client, dummy_category):
    original = jpeg_with_gps()
    readback = Image.open(io.BytesIO(original)).getexif()
    assert readback.get_ifd(GPS_IFD)[1] == "N"
    assert readback.get_ifd(GPS_IFD)[2] == (42.0, 21.0, 0.0)
    assert b"Exif" in original

    resp = post_multipart(client, [("gps.jpg", original)])
    assert resp.status_code == 201, resp.json
    raw, image = fetch_photo(client, resp.json["properties"]["photos"][0]["url"])
    exif = image.getexif()
    assert GPS_IFD not in exif
    assert not exif.get_ifd(GPS_IFD)
    assert len(exif) == 0
    assert "exif" not in image.info
    assert b"Exif" not in raw
    assert b"SpyCam" not in raw


@pytest.mark.parametrize("name, raw", [
    ("notes.jpg", b"this is not an image, just text\n" * 10),
    ("fake.jpg", b"\xff\xd8\xff" + b"garbage" * 50),
    ("empty.jpg", b""),
    ("anim.gif", b"GIF89a" + b"\x00" * 64),
], ids=["text-named-jpg", "jpeg-magic-then-garbage", "empty-file", "gif"])
def test_non_image_file_is_refused(app, client, dummy_category, name, raw):
    resp = post_multipart(client, [("ok.jpg", jpeg()), (name, raw)])
    assert resp.status_code == 422, resp.json
    assert resp.json["errors"]["files"]["photos"]
    assert_nothing_written(app)


def test_oversize_photo_is_refused(app, client, dummy_category):
    limit = app.config["PHOTO_MAX_BYTES"]
    raw = jpeg()
    raw += b"\x00" * (limit + 1 - len(raw))
    assert limit < len(raw) < app.config["MAX_CONTENT_LENGTH"]
    resp = post_multipart(client, [("big.jpg", raw)])
    assert resp.status_code == 422
    assert resp.json["errors"]["files"]["photos"]
    assert_nothing_written(app)


def test_unknown_file_field_is_refused(app, client, dummy_category):
    resp = send_multipart(client, form(), {"attachment": [("a.jpg", jpeg())]})
    assert resp.status_code == 422
    assert resp.json["errors"]["files"]["attachment"]
    assert_nothing_written(app)


def test_photo_of_a_pending_review_report_is_not_served(app, client, create_category):
    create_category(code="unsanitary_food", name="Unsanitary food", family="problem_business",
                    sensitive=True)
    resp = post_multipart(client, [("p.jpg", jpeg())], category="unsanitary_food")
    assert resp.status_code == 201, resp.json
    assert resp.json["properties"]["status"] == "pending_review"
    url = resp.json["properties"]["photos"][0]["url"]
    assert len(stored_files(app)) == 1
    hidden = client.get(url)
    assert hidden.status_code == 404
    assert hidden.mimetype == "application/json"
    assert hidden.json["code"] == 404


@pytest.mark.parametrize("key", ["0123456789abcdef0123456789abcdef", "nothere", "a" * 65],
                         ids=["well-formed", "short", "too-long"])
def test_unknown_photo_key_is_a_json_404(client, key):
    resp = client.get(f"/api/v1/photos/{key}.jpg")
    assert resp.status_code == 404
    assert resp.mimetype == "application/json"
    assert resp.json["code"] == 404


def test_multipart_contact_fields_are_stored_privately(app, client, dummy_category):
    resp = post_multipart(client, [("p.jpg", jpeg())], **{
        "contact.email": "resident@example.org", "contact.name": "Pat Resident",
        "contact.phone": "+1 617 555 0100"})
    assert resp.status_code == 201, resp.json
    text = resp.get_data(as_text=True)
    assert "resident@example.org" not in text and "Pat Resident" not in text
    with app.app_context():
        report = db.session.get(Report, resp.json["id"])
        assert report.contact_email == "resident@example.org"
        assert report.contact_name == "Pat Resident"
        assert report.contact_phone == "+1 617 555 0100"


def test_multipart_without_photos_is_accepted(client, dummy_category):
    resp = post_multipart(client)
    assert resp.status_code == 201, resp.json
    assert resp.json["properties"]["photos"] == []


@pytest.mark.parametrize("multipart", [True, False], ids=["multipart", "json"])
def test_body_larger_than_max_content_length_is_a_json_413(app, client, dummy_category,
                                                           multipart):
    size = app.config["MAX_CONTENT_LENGTH"] + 1024
    if multipart:
        resp = post_multipart(client, [("huge.jpg", b"\xff\xd8\xff" + b"\x00" * size)])
    else:
        resp = client.post(URL, data=b'{"description": "' + b"x" * size + b'"}',
                           content_type="application/json")
    assert resp.status_code == 413
    assert resp.mimetype == "application/json"
    assert resp.json["code"] == 413
    assert "<html" not in resp.get_data(as_text=True).lower()
    assert_nothing_written(app)
