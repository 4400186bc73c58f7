"""The home page: the city at a glance, escaped, with a helpful empty state."""


def test_home_page_explains_how_to_load_data_when_empty(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "No reports yet" in page.text
    assert "flask seed-demo" in page.text


def test_home_page_escapes_html_from_reports(client, dummy_category, dummy_report_body):
    body = dict(dummy_report_body, description='<script>alert("x")</script><b>dark</b>')
    assert client.post("/api/v1/reports", json=body).status_code == 201
    page = client.get("/").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;dark&lt;/b&gt;" in page


def test_home_page_counts_public_reports_per_family(client, create_category, dummy_report_body):
    create_category()
    create_category(code="unsanitary_food", name="Unsanitary food", family="problem_business",
                    sensitive=True)
    for _ in range(2):
        client.post("/api/v1/reports", json=dummy_report_body)
    client.post("/api/v1/reports", json=dict(dummy_report_body, category="unsanitary_food"))
    page = client.get("/").text
    assert "Lighting" in page
    assert "Problem business" not in page  # its only report waits for moderation
    assert page.count("Street light outage") == 2


def test_home_page_fits_a_phone_screen(client):
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in \
        client.get("/").text
