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
    assert "Street lighting" in page
    assert "Problem business" not in page  # its only report waits for moderation
    assert page.count("Street light outage") == 2


def test_home_page_fits_a_phone_screen(client):
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in \
        client.get("/").text


def test_home_page_withholds_the_address_of_sensitive_reports(app, client, create_category,
                                                            create_account, dummy_report_body):
    create_category(code="unsanitary_food", name="Unsanitary food", family="problem_business",
                    sensitive=True)
    body = dict(dummy_report_body, category="unsanitary_food", address="12 Hidden Kitchen Row")
    report_id = client.post("/api/v1/reports", json=body).json["id"]
    moderator = create_account("moderator")
    published = client.post(f"/api/v1/reports/{report_id}/transitions",
                            headers=moderator.headers, json={"to": "open"})
    assert published.status_code == 201, published.json
    page = client.get("/").text
    assert "Unsanitary food" in page
    assert "12 Hidden Kitchen Row" not in page
