"""Page weight: what the main pages load on a first visit, before map tiles (gzip bytes).

    .venv/bin/python bench/page_weight.py

Seeds the Boston demo into a temporary SpatiaLite database, serves it with `flask run`
(tests/fixtures/live_server.py, tiles from our stand-in URL) and loads each page in Debian's
Chromium at Pixel 7 size as a first visit (a new context: empty cache, no service worker),
counting every response as tests/fixtures/weight.py does: its body as sent (the app
compresses) and decoded, tiles apart, and any request to another host. Prints a markdown
table for docs/benchmarks.md.
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from neighborhood import create_app  # noqa: E402
from neighborhood.demo.services import seed_demo  # noqa: E402
from neighborhood.extensions import db  # noqa: E402
from tests.fixtures.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.fixtures.live_server import LiveServer  # noqa: E402
from tests.fixtures.weight import BUDGET_BYTES, measure  # noqa: E402

PAGES = ("/map", "/reports/new", "/", "/reports/1", "/dashboard")


def main() -> None:
    """Seed, serve, measure every page and print the table."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        app = create_app(DATABASE_URL=url, UPLOAD_DIR=f"{tmp}/uploads")
        with app.app_context():
            from flask_migrate import upgrade
            upgrade()
            seed_demo()
            db.session.commit()
        Path(f"{tmp}/uploads").mkdir(exist_ok=True)
        server = LiveServer(url, f"{tmp}/uploads")
        server.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                print("| page | files | raw KB | sent KB | budget | tiles | other hosts |")
                print("|---|---:|---:|---:|---|---:|---:|")
                for path in PAGES:
                    weight = measure(browser, playwright.devices["Pixel 7"], server.url + path)
                    if weight.status != 200:
                        continue  # a page this build does not have
                    verdict = "ok" if weight.sent <= BUDGET_BYTES else "OVER"
                    print(f"| `{path}` | {len(weight.files)} | {weight.raw / 1024:.1f} | "
                          f"{weight.sent / 1024:.1f} | {verdict} (250) | {weight.tiles} | "
                          f"{len(weight.outside)} |")
                    for name, raw, sent in sorted(weight.files, key=lambda f: -f[2])[:4]:
                        print(f"|   {name} | | {raw / 1024:.1f} | {sent / 1024:.1f} | | | |")
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
