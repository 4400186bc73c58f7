"""Every shell example in docs/exports.md runs against a live server holding the Boston demo,
and the export streams over real HTTP (chunked, no Content-Length)."""

import csv
import json
import re
import subprocess
import urllib.request
from datetime import datetime

import pytest
from sqlalchemy import func, select

from neighborhood.exports.schemas import COLUMNS
from neighborhood.extensions import db
from neighborhood.reports.models import Report
from neighborhood.workflow.states import PUBLIC_STATUSES
from tests.fixtures.docs import shell_blocks
from tests.fixtures.live_server import ROOT

DOC = ROOT / "docs" / "exports.md"


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == list(COLUMNS)
        return list(reader)


@pytest.mark.engines("spatialite")  # the demo's engine, as `make run` serves it
def test_every_example_in_the_exports_guide_works_on_the_demo(app, demo_server, tmp_path):
    blocks = shell_blocks(DOC.read_text(encoding="utf-8"))
    assert blocks[0].strip() == "BASE=http://127.0.0.1:5000/api/v1/exports"
    script = "\n".join(["set -euo pipefail", f"BASE={demo_server.url}/api/v1/exports",
                        *(f'echo "--- block {i}"\n{block}'
                          for i, block in enumerate(blocks[1:], start=1))])
    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=demo_server.env,
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.stdout.count("--- block") == len(blocks) - 1 == 5

    with app.app_context():
        public_2015 = db.session.scalar(select(func.count(Report.id)).where(
            Report.status.in_(sorted(PUBLIC_STATUSES)),
            Report.created_at >= datetime.fromisoformat("2015-01-01T05:00:00+00:00"),
            Report.created_at < datetime.fromisoformat("2016-01-01T05:00:00+00:00")))
    [whole_year] = tmp_path.glob("boston-reports-*.csv")  # curl -OJ: the server's file name
    assert len(read_csv(whole_year)) == public_2015 > 15_000

    lights = json.loads((tmp_path / "lights-june.geojson").read_text(encoding="utf-8"))
    assert lights["features"]
    for feature in lights["features"]:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        assert props["category"] in ("street_light_outage", "street_light_knock_down")
        assert -71.07 <= lon <= -71.05 and 42.35 <= lat <= 42.36
        assert "2015-06-01T04:00:00+00:00" <= props["created_at"] < "2015-07-01T04:00:00+00:00"

    businesses = read_csv(tmp_path / "businesses-march.csv")
    assert businesses
    for row in businesses:
        assert (row["family"], row["status"], row["location_generalized"]) == (
            "problem_business", "closed", "true")
        assert row["address"] == row["neighborhood"] == ""
        assert len(row["lat"].split(".")[1]) <= 3 and len(row["lon"].split(".")[1]) <= 3

    parks = run.stdout.split("--- block 4\n", 1)[1].split("--- block 5", 1)[0]
    assert re.fullmatch(r"\[\('[A-Za-z /-]+', \d+\)(, \('[A-Za-z /-]+', \d+\)){4}\]\n", parks)
    refused = json.loads(run.stdout.split("--- block 5\n", 1)[1])
    assert refused["code"] == 422 and refused["errors"]["query"]["status"]


@pytest.mark.engines("spatialite")
def test_a_real_server_sends_the_export_chunked_without_a_length(demo_server):
    url = f"{demo_server.url}/api/v1/exports/reports.geojson?created_from=2015-01-01"
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.headers["Transfer-Encoding"] == "chunked"
        assert response.headers["Content-Length"] is None  # a buffered body would have one
        assert response.headers["Content-Type"] == "application/geo+json"
        collection = json.loads(response.read())
    assert len(collection["features"]) > 15_000
    with urllib.request.urlopen(f"{demo_server.url}/api/v1/categories", timeout=60) as response:
        assert response.headers["Content-Length"]  # the contrast: a JSON body built whole
