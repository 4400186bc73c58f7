"""GET /api/v1/incidents: same-spot groups as GeoJSON, on both engines."""


def _report(client, body, lat, lon, category="street_light_outage"):
    response = client.post("/api/v1/reports", json=body | {"lat": lat, "lon": lon,
                                                           "category": category})
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_reports_about_the_same_spot_come_back_as_one_incident(client, boston_areas,
                                                                dummy_category,
                                                                dummy_report_body):
    same_spot = [_report(client, dummy_report_body, 42.35500 + d, -71.06560) for d in
                 (0.0, 0.00005, 0.0001)]  # about 0, 5.6 and 11 m apart
    _report(client, dummy_report_body, 42.3600, -71.0600)  # far away: noise

    response = client.get("/api/v1/incidents?category=street_light_outage")

    assert response.status_code == 200
    [incident] = response.json["features"]
    assert incident["properties"] == {"size": 3, "report_ids": sorted(same_spot)}
    lon, lat = incident["geometry"]["coordinates"]
    assert abs(lat - 42.35505) < 1e-6 and abs(lon + 71.0656) < 1e-6


def test_radius_and_bbox_narrow_the_groups(client, boston_areas, dummy_category,
                                           dummy_report_body):
    for lat in (42.3550, 42.3554):  # about 44 m apart
        _report(client, dummy_report_body, lat, -71.0656)

    assert client.get("/api/v1/incidents?category=street_light_outage").json["features"] == []
    wide = client.get("/api/v1/incidents?category=street_light_outage&radius=50").json
    assert [f["properties"]["size"] for f in wide["features"]] == [2]
    elsewhere = client.get("/api/v1/incidents?category=street_light_outage&radius=50"
                           "&bbox=-71.10,42.30,-71.09,42.31").json
    assert elsewhere["features"] == []


def test_bad_parameters_are_refused(client, boston_areas, dummy_category):
    assert client.get("/api/v1/incidents").status_code == 422
    assert client.get("/api/v1/incidents?category=street_light_outage&radius=1000"
                      ).status_code == 422
    assert client.get("/api/v1/incidents?category=street_light_outage&bbox=1,2"
                      ).status_code == 422
    # Found by the OpenAPI contract run: PostgreSQL refuses a text with NUL in it (a 500).
    response = client.get("/api/v1/incidents?category=street%00light")
    assert response.status_code == 422
    assert response.json["errors"]["query"]["category"]
