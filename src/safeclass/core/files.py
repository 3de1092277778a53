"""Content-addressed file storage.

A file is stored once under the SHA-256 of its bytes (``blobs/ab/cd/abcd…``);
storing the same content again is a no-op, and a stored file can be checked
against its name at any time. Uses Django's default storage, so the same code
writes to a local directory or to an S3-compatible store.
"""

from __future__ import annotations

import hashlib
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

CHUNK = 1024 * 1024


def blob_path(sha256: str) -> str:
    if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def store_bytes(data: bytes) -> str:
    sha256 = hashlib.sha256(data).hexdigest()
    path = blob_path(sha256)
    if not default_storage.exists(path):
        saved = default_storage.save(path, ContentFile(data))
        if saved != path:
            # Another writer stored the same content first; ours is a duplicate.
            default_storage.delete(saved)
    return sha256


def open_blob(sha256: str) -> IO[bytes]:
    handle: IO[bytes] = default_storage.open(blob_path(sha256), "rb")
    return handle


def verify_blob(sha256: str) -> bool:
    digest = hashlib.sha256()
    with open_blob(sha256) as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest() == sha256
