"""``safeclass run``: the web server (uvicorn) and the background worker, together.

The worker runs as a child process and is restarted if it stops; both stop
when this command is interrupted. Next to it a thread runs, every minute,
``notify_sweep``, which queues again any email whose delivery is due (a retry,
or a task lost in a restart), and ``live_close``, which closes the attendance
of lessons that ran out with sockets still open (a server killed mid-lesson)
and sends their absence notices. Pass ``--no-worker`` when workers run on
their own hosts (the scale-out shape); then run ``safeclass notify-sweep`` and
``safeclass live-close`` from a timer.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from types import FrameType
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

# By command name: core sits below every app and imports none of them.
SWEEP_COMMANDS = ("notify_sweep", "live_close")
SWEEP_INTERVAL = 60.0


class Command(BaseCommand):
    help = "Serve SafeClass with uvicorn and run the background-task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        supervisor: threading.Thread | None = None
        sweeper: threading.Thread | None = None
        holder: dict[str, subprocess.Popen[bytes] | None] = {"worker": None}
        if not options["no_worker"]:
            supervisor = threading.Thread(
                target=self._supervise_worker, args=(stop, holder), daemon=True
            )
            supervisor.start()
            sweeper = threading.Thread(
                target=self._sweep_periodically,
                args=(stop, SWEEP_INTERVAL),
                name="outbox-sweeper",
                daemon=True,
            )
            sweeper.start()

        previous = signal.getsignal(signal.SIGTERM)

        def _terminate(signum: int, frame: FrameType | None) -> None:
            stop.set()
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, _terminate)
        self.stdout.write(
            f"SafeClass on http://{options['host']}:{options['port']} "
            f"({'worker on' if supervisor else 'no worker'}; press Ctrl+C to stop)"
        )
        try:
            uvicorn.run(
                "safeclass.asgi:application",
                host=options["host"],
                port=options["port"],
                workers=options["workers"],
                lifespan="off",
                proxy_headers=bool(getattr(settings, "SAFECLASS_TRUST_FORWARDED_FOR", False)),
                server_header=False,
                log_level="info",
            )
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            worker = holder["worker"]
            if worker is not None and worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
            if sweeper is not None:
                sweeper.join(timeout=10)
            signal.signal(signal.SIGTERM, previous)

    def _supervise_worker(
        self, stop: threading.Event, holder: dict[str, subprocess.Popen[bytes] | None]
    ) -> None:
        delay = 1.0
        while not stop.is_set():
            started = time.monotonic()
            worker = subprocess.Popen(
                [sys.executable, "-m", "safeclass", "db_worker", "--queue-name", "*", "--no-reload"]
            )
            holder["worker"] = worker
            while worker.poll() is None and not stop.is_set():
                time.sleep(0.5)
            if stop.is_set():
                return
            # Back off if the worker keeps failing at start-up.
            delay = 1.0 if time.monotonic() - started > 60 else min(delay * 2, 60.0)
            self.stderr.write(f"Task worker stopped (exit {worker.returncode}); restarting.")
            stop.wait(delay)

    def _sweep_periodically(self, stop: threading.Event, interval: float) -> None:
        while not stop.is_set():
            for command in SWEEP_COMMANDS:
                try:
                    call_command(command, verbosity=0)
                # A database hiccup must not end the sweeping for the life of the server,
                # nor one command's failure stop the others.
                except Exception as error:
                    self.stderr.write(f"{command} failed: {type(error).__name__}: {error}")
                finally:
                    # This thread's own connections; the server's are untouched.
                    connections.close_all()
            stop.wait(interval)
