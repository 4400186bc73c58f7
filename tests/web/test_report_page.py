"""The public report page: status, department and the timeline, never the reporter."""


def _submit(client, body):
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201
    return response.json["id"]


def test_report_page_shows_the_timeline_with_roles_and_notes(client, lifecycle_city,
                                                              create_account,
                                                              dummy_report_body):
    staff = create_account("staff", department="PWD")
    report_id = _submit(client, dummy_report_body)
    moved = client.post(f"/api/v1/reports/{report_id}/transitions", headers=staff.headers,
                        json={"to": "resolved", "note": "Lamp head replaced."})
    assert moved.status_code == 201

    page = client.get(f"/reports/{report_id}")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Street light outage" in html and "Public Works" in html
    timeline = html[html.index('<ol class="timeline">'):]
    assert timeline.index("Reported") < timeline.index("Resolved") \
        < timeline.index("Lamp head replaced.")
    assert "by a neighbour" in timeline and "by city staff" in timeline


def test_report_page_never_shows_the_reporter(client, lifecycle_city, dummy_report_body):
    report_id = _submit(client, dummy_report_body)

    html = client.get(f"/reports/{report_id}").get_data(as_text=True)

    assert "resident@example.org" not in html
    assert "Pat Resident" not in html
    # The phone's digits, not a fragment of them: "555" is also in report #255591.
    assert "555 0100" not in html and "5550100" not in html


def test_report_page_escapes_user_text(client, lifecycle_city, dummy_report_body):
    report_id = _submit(client, dummy_report_body | {"description": "<script>alert(1)</script>"})

    html = client.get(f"/reports/{report_id}").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_held_and_unknown_reports_are_not_found(client, lifecycle_city, create_category,
                                                dummy_report_body):
    create_category(code="unsanitary_food", name="Unsanitary food", family="problem_business",
                    sensitive=True)
    held = _submit(client, dummy_report_body | {"category": "unsanitary_food"})

    assert client.get(f"/reports/{held}").status_code == 404
    assert client.get("/reports/999999").status_code == 404


def _resolved(client, create_account, body) -> int:
    staff = create_account("staff", department="PWD")
    report_id = _submit(client, body)
    moved = client.post(f"/api/v1/reports/{report_id}/transitions", headers=staff.headers,
                        json={"to": "resolved", "note": "Lamp head replaced."})
    assert moved.status_code == 201
    return report_id


def _token(html: str) -> str:
    import re
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_neighbour_confirms_a_resolved_report_is_fixed(app, client, lifecycle_city,
                                                         create_account, dummy_report_body):
    report_id = _resolved(client, create_account, dummy_report_body)
    html = client.get(f"/reports/{report_id}").get_data(as_text=True)
    assert "Is it really fixed?" in html
    page = client.post(f"/reports/{report_id}/fixed", data={"csrf_token": _token(html)},
                       follow_redirects=True).get_data(as_text=True)
    assert "Thank you for confirming the fix." in page
    timeline = page[page.index('<ol class="timeline">'):]
    assert "Confirmed fixed" in timeline
    again = client.post(f"/reports/{report_id}/fixed", data={"csrf_token": _token(html)},
                        follow_redirects=True).get_data(as_text=True)
    assert again[again.index('<ol class="timeline">'):].count("Confirmed fixed") == 1


def test_a_neighbour_reopens_a_resolved_report(client, lifecycle_city, create_account,
                                                dummy_report_body):
    report_id = _resolved(client, create_account, dummy_report_body)
    html = client.get(f"/reports/{report_id}").get_data(as_text=True)
    page = client.post(f"/reports/{report_id}/reopen",
                       data={"csrf_token": _token(html), "note": "Dark again tonight."},
                       follow_redirects=True).get_data(as_text=True)
    assert "The report is open again." in page
    assert client.get(f"/api/v1/reports/{report_id}").json["properties"]["status"] == "open"
    timeline = page[page.index('<ol class="timeline">'):]
    assert "Reopened" in timeline and "Dark again tonight." in timeline


def test_support_on_a_closed_report_explains_why_it_was_refused(client, lifecycle_city,
                                                                 create_account,
                                                                 dummy_report_body):
    report_id = _resolved(client, create_account, dummy_report_body)
    html = client.get(f"/reports/{report_id}").get_data(as_text=True)
    page = client.post(f"/reports/{report_id}/support", data={"csrf_token": _token(html)},
                       follow_redirects=True)
    assert page.status_code == 200
    assert "Only open reports take support" in page.get_data(as_text=True)
