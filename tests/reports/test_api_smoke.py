def test_submitted_report_can_be_read_back(client, dummy_category, dummy_report_body):
    created = client.post("/api/v1/reports", json=dummy_report_body)
    assert created.status_code == 201, created.json
    got = client.get(f"/api/v1/reports/{created.json['id']}")
    assert got.status_code == 200
    assert got.json["properties"]["description"] == dummy_report_body["description"]
