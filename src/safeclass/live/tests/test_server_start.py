"""A server process is ready for the first lesson when it starts (architecture §6,
CLS-1): the moderation automata are built before the first chat message, and
the start-up heap is frozen, and after it what survives each full garbage
collection, so that full collections, which stop every room of the process
while they run, walk only what came since the last (see ``core.heap``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import gc, json
import safeclass.asgi
from safeclass.core.heap import keeper
from safeclass.moderation.engine import lexicon
print(json.dumps({"built": lexicon._built is not None, "frozen": gc.get_freeze_count(),
                  "loose": len(gc.get_objects()), "keeper": keeper.installed,
                  "bound": safeclass.asgi.django_application.limit}))
"""


def test_the_asgi_application_starts_with_the_engine_built_and_its_heap_frozen() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "safeclass.settings",
        "SAFECLASS_HTTP_CONCURRENCY": "7",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    state = json.loads(done.stdout.strip().splitlines()[-1])
    assert state["built"] is True
    # The automata alone are several hundred thousand objects; what is left
    # unfrozen is what the probe itself made after the import.
    assert state["frozen"] > 300_000
    assert state["loose"] < state["frozen"] / 100
    # What survives the process's full collections from now on is frozen too.
    assert state["keeper"] is True
    # HTTP requests run a bounded few at a time (core.asgi), as configured.
    assert state["bound"] == 7
