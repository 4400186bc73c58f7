"""Where photo files live: a local directory by default, behind one small interface."""

import os
import secrets
from pathlib import Path

from flask import current_app


class LocalPhotoStore:
    """Photo files in one directory, named by a random key (never by the upload's name)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    @staticmethod
    def new_key() -> str:
        """Return a fresh, unguessable file key."""
        return secrets.token_hex(16)

    def path(self, key: str) -> Path:
        """Return the file path of key (keys are hex, so no path tricks)."""
        if not key.isalnum():
            raise ValueError("bad photo key")
        return self.root / key[:2] / f"{key}.jpg"

    def save(self, key: str, data: bytes) -> None:
        """Write data under key, atomically."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)

    def delete(self, key: str) -> None:
        """Remove the file of key, if present."""
        self.path(key).unlink(missing_ok=True)


def photo_store() -> LocalPhotoStore:
    """Return the photo store configured for the current app."""
    return LocalPhotoStore(current_app.config["UPLOAD_DIR"])
