"""A gunicorn config that measures requests inside the served app's workers (issues 4 and 9:
profile under gunicorn, not in-process).

    BENCH_GUNICORN_CONFIG=bench/gunicorn_profile.py python -m bench.study --quick --no-postgres

Each worker times every request by path (wall and CPU) and, with BENCH_PROFILE=1, runs cProfile
over the requests to BENCH_PROFILE_PATH (default /study/answer; "*" for every path). When the
workers stop they write bench-profile-<pid>.json (per-path totals) and .prof into
BENCH_PROFILE_DIR (default: the current directory); read the .prof files with pstats.

With BENCH_CONTROL=1 (bench/instructions.py sets it) each worker also answers two control paths
itself, without passing them to the app, so a driver can measure a window of requests:

- /bench/_control/start: runs a full garbage collection, so that every window starts from the
  same collector state (a full collection in a worker holding the app's objects costs about as
  much as ten empty requests, and lands in one window in a few hundred requests: without this it
  decides the figure of whichever window it falls in), then calls gc.get_freeze_count(), which
  callgrind, run with --zero-before='gc_get_freeze_count*', takes as "zero the counters"; with
  BENCH_PROFILE=1 it also starts a fresh cProfile window over every path.
- /bench/_control/stop: calls sys.getswitchinterval() (--dump-before='sys_getswitchinterval*':
  "dump the counters") and writes the cProfile window to bench-window-<pid>-<n>.prof.

Neither function is called by the app, Flask or gunicorn, so the dumps come only from these.
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

PATH = os.environ.get("BENCH_PROFILE_PATH", "/study/answer")
OUT = Path(os.environ.get("BENCH_PROFILE_DIR", "."))
CONTROL = "/bench/_control/"
CONTROLLED = bool(os.environ.get("BENCH_CONTROL"))


def post_worker_init(worker: Any) -> None:
    app: Callable[..., Iterable[bytes]] = worker.wsgi
    profiling = bool(os.environ.get("BENCH_PROFILE"))
    profile = cProfile.Profile() if profiling and not CONTROLLED else None
    totals: dict[str, dict[str, float]] = {}
    window: dict[str, Any] = {"profile": None, "count": 0}

    def control(action: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if action == "start":
            gc.collect()
            gc.get_freeze_count()  # callgrind: --zero-before
            if profiling:
                window["profile"] = cProfile.Profile()
                window["profile"].enable()
        elif action == "stop":
            if window["profile"] is not None:
                window["profile"].disable()
                window["count"] += 1
                window["profile"].dump_stats(OUT / f"bench-window-{os.getpid()}-{window['count']}.prof")
                window["profile"] = None
            sys.getswitchinterval()  # callgrind: --dump-before
        start_response("204 No Content", [("Content-Length", "0")])
        return []

    def timed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if CONTROLLED and path.startswith(CONTROL):
            return control(path[len(CONTROL) :], start_response)
        profiled = profile is not None and (PATH == "*" or path == PATH)
        wall, cpu = time.perf_counter(), time.process_time()
        if profiled:
            profile.enable()
        try:
            return list(app(environ, start_response))
        finally:
            if profiled:
                profile.disable()
            entry = totals.setdefault(path, {"requests": 0, "wall_s": 0.0, "cpu_s": 0.0})
            entry["requests"] += 1
            entry["wall_s"] += time.perf_counter() - wall
            entry["cpu_s"] += time.process_time() - cpu

    worker.wsgi = timed
    worker.bench_profile = profile
    worker.bench_totals = totals


def worker_exit(server: Any, worker: Any) -> None:
    pid = os.getpid()
    if getattr(worker, "bench_profile", None):
        worker.bench_profile.dump_stats(OUT / f"bench-profile-{pid}.prof")
    if hasattr(worker, "bench_totals"):
        (OUT / f"bench-profile-{pid}.json").write_text(json.dumps(worker.bench_totals))
