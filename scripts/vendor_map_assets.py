#!/usr/bin/env python3
"""Vendor the map libraries into neighborhood/map_assets/ from the npm registry.

Reads neighborhood/map_assets/assets.json (name, pinned version, integrity, files), runs
`npm pack name@version` for each package, refuses a tarball whose sha512 differs from the
pinned integrity, and copies the listed files to map_assets/<name>/<version>/. Run it after
changing a version (and its integrity, from `npm view name@version dist.integrity`); commit
the result. The app never fetches these at run time.
"""

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "neighborhood" / "map_assets"


def integrity(path: Path) -> str:
    """Return the npm-style sha512 integrity string of a file."""
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def vendor(package: dict, workdir: Path) -> None:
    """Fetch one pinned package, check it, and copy its listed files."""
    spec = f"{package['name']}@{package['version']}"
    out = subprocess.run(["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
                         check=True, capture_output=True, text=True).stdout
    tarball = workdir / json.loads(out)[0]["filename"]
    if integrity(tarball) != package["integrity"]:
        sys.exit(f"{spec}: integrity mismatch, refusing to vendor it")
    target = ASSETS / package["name"] / package["version"]
    shutil.rmtree(target, ignore_errors=True)
    with tarfile.open(tarball) as archive:
        for name in package["files"]:
            member = archive.getmember(f"package/{name}")
            destination = target / Path(name).relative_to("dist") if name.startswith("dist/") \
                else target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(archive.extractfile(member).read())
    print(f"vendored {spec} -> {target.relative_to(ASSETS.parents[1])}")


def main() -> None:
    manifest = json.loads((ASSETS / "assets.json").read_text())
    with tempfile.TemporaryDirectory() as workdir:
        for package in manifest["packages"]:
            vendor(package, Path(workdir))


if __name__ == "__main__":
    main()
