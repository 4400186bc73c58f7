"""Every shell example in docs/open311.md runs against a live server holding the Boston demo."""

import subprocess

import pytest

from tests.fixtures.docs import shell_blocks
from tests.fixtures.live_server import ROOT

DOC = ROOT / "docs" / "open311.md"


@pytest.mark.engines("spatialite")  # the demo's engine, as `make run` serves it
def test_every_curl_example_in_the_integrators_guide_works_on_the_demo(demo_server):
    blocks = shell_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 8 and blocks[0].startswith("BASE=http://127.0.0.1:5000/open311/v2")
    script = "\n".join(["set -euo pipefail", blocks[0],
                        f"BASE={demo_server.url}/open311/v2",  # our server, not port 5000
                        *(f'echo "--- block {i}"\n{block}'
                          for i, block in enumerate(blocks[1:], start=1))])
    run = subprocess.run(["bash", "-c", script], cwd=ROOT, env=demo_server.env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    out = run.stdout
    assert out.count("--- block") == len(blocks) - 1
    assert '"service_request_id":"' in out and "<service_requests><request>" in out
    assert "<service_request_updates>" in out and "start_date to end_date may span" in out
    assert "attribute[light_state]: Unknown value 'purple'" in out
