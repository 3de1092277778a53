"""Tests of the core app.

pytest also loads this package as a plugin, before anything else
(``-p safeclass.core.tests`` in pyproject.toml): pytest-django imports the
settings before it reads any conftest.py, and the settings choose their test
behaviour from ``SAFECLASS_ENV`` when they are imported.
"""

import os

os.environ["SAFECLASS_ENV"] = "test"
