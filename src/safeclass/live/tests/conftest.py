"""Fixtures shared by the live app's tests."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pytest_django.fixtures import Settings


@pytest.fixture
def files_in_tmp(settings: Settings, tmp_path: Path) -> Path:
    """Stored files (materials, chat pictures) go to this test's own directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path
