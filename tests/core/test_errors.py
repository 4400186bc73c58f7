"""Every error is rendered by one renderer: JSON under /api, an HTML page elsewhere."""

import pytest

SECRET = "secret detail"


@pytest.fixture
def boom_client(app):
    """A client on an app with routes that fail unexpectedly (added before any request)."""

    def boom():
        raise RuntimeError(SECRET)

    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    app.add_url_rule("/boom", "html_boom", boom)
    return app.test_client()


def assert_json_error(resp, code, status):
    assert resp.status_code == code
    assert resp.mimetype == "application/json"
    assert resp.json["code"] == code
    assert resp.json["status"] == status
    assert "<html" not in resp.get_data(as_text=True).lower()


def assert_html_error(resp, code):
    assert resp.status_code == code
    assert resp.mimetype == "text/html"
    text = resp.get_data(as_text=True)
    assert "<html" in text.lower()
    assert not text.lstrip().startswith("{")
    return text


@pytest.mark.parametrize("path", ["/nope", "/reports/nope", "/apiary"],
                         ids=["top-level", "nested", "prefix-lookalike"])
def test_unknown_site_path_is_an_html_404_page(client, path):
    text = assert_html_error(client.get(path), 404)
    assert "Not Found" in text


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/reports/abc", "/api/v2/reports"],
                         ids=["unknown", "non-integer-id", "unknown-version"])
def test_unknown_api_path_is_a_json_404(client, path):
    resp = client.get(path)
    assert_json_error(resp, 404, "Not Found")
    assert resp.json["message"]


def test_wrong_method_on_api_is_a_json_405_with_allow(client):
    resp = client.delete("/api/v1/reports")
    assert_json_error(resp, 405, "Method Not Allowed")
    allowed = {m.strip() for m in resp.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert "DELETE" not in allowed


def test_wrong_method_on_a_page_is_an_html_405_with_allow(client):
    resp = client.post("/")
    assert_html_error(resp, 405)
    assert "GET" in resp.headers["Allow"]


def test_unexpected_api_error_is_a_json_500_without_details(boom_client):
    resp = boom_client.get("/api/v1/boom")
    assert_json_error(resp, 500, "Internal Server Error")
    text = resp.get_data(as_text=True)
    assert SECRET not in text
    assert "RuntimeError" not in text and "Traceback" not in text


def test_unexpected_page_error_is_an_html_500_without_details(boom_client):
    text = assert_html_error(boom_client.get("/boom"), 500)
    assert "Internal Server Error" in text
    assert SECRET not in text
    assert "RuntimeError" not in text and "Traceback" not in text


def test_unexpected_error_is_logged(boom_client, caplog):
    with caplog.at_level("ERROR"):
        boom_client.get("/api/v1/boom")
    assert any(SECRET in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_validation_error_is_json_with_the_field(client):
    resp = client.get("/api/v1/reports", query_string={"limit": "0"})
    assert_json_error(resp, 422, "Unprocessable Entity")
    assert resp.json["errors"]["query"]["limit"]
