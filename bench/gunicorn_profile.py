"""A gunicorn config that profiles the answer step inside the served app (issue 4: profile under
gunicorn, not in-process).

    BENCH_GUNICORN_CONFIG=bench/gunicorn_profile.py python -m bench.study --quick --no-postgres

Each worker times POST /study/answer (wall and CPU) and, with BENCH_PROFILE=1, runs cProfile over
those requests only. When the workers stop they write bench-profile-<pid>.json (and .prof) into
BENCH_PROFILE_DIR (default: the current directory); read them with pstats.
"""

from __future__ import annotations

import cProfile
import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

PATH = "/study/answer"
OUT = Path(os.environ.get("BENCH_PROFILE_DIR", "."))


def post_worker_init(worker: Any) -> None:
    app: Callable[..., Iterable[bytes]] = worker.wsgi
    profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    totals = {"requests": 0, "wall_s": 0.0, "cpu_s": 0.0}

    def timed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return app(environ, start_response)
        wall, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        try:
            return list(app(environ, start_response))
        finally:
            if profile:
                profile.disable()
            totals["requests"] += 1
            totals["wall_s"] += time.perf_counter() - wall
            totals["cpu_s"] += time.process_time() - cpu

    worker.wsgi = timed
    worker.bench_profile = profile
    worker.bench_totals = totals


def worker_exit(server: Any, worker: Any) -> None:
    pid = os.getpid()
    if getattr(worker, "bench_profile", None):
        worker.bench_profile.dump_stats(OUT / f"bench-profile-{pid}.prof")
    if hasattr(worker, "bench_totals"):
        (OUT / f"bench-profile-{pid}.json").write_text(json.dumps(worker.bench_totals))
