"""Instructions per request inside a gunicorn worker, under callgrind (issue 9): `python -m bench.instructions`.

Wall-clock figures on a shared two-core machine move by tens of percent from run to run; the
number of instructions a worker executes for a request does not (it moves by well under 1%). This
serves each app with one sync gunicorn worker under `valgrind --tool=callgrind`, sends each kind
of request a few times to warm up, then counts a window of N requests between two control
requests that zero and dump callgrind's counters (see bench/gunicorn_profile.py), less the cost
of an empty window. Each request is a new connection, as wrk's are to a sync worker.

Servers: studyapp (bench/app.py), studyapp with STUDYAPP_PLAIN_EXECUTE=1 (the answer step through
plain `Connection.execute`), and the bare Flask app (bench/bare.py), all on one small SQLite
database. The report gives instructions per request, each against the bare app's empty route,
and the differences that show where studyapp's fixed per-request cost goes.

    python -m bench.instructions [--requests 40] [--keep DIR] [--cprofile]

--keep DIR keeps the callgrind dumps (open one with callgrind_annotate or kcachegrind: the costs
are C functions of the interpreter and its extensions). --cprofile runs the same windows without
valgrind under cProfile instead and prints the Python functions with the most own time for each
window (--sort own) or the most cumulative time (--sort cum, the default): the breakdown by
Python function, with cProfile's overhead on every call, so read it as proportions, not times. Needs valgrind (Debian package `valgrind`) for the counts.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import pstats
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from bench import study
from bench.app import BASELINE_PATH, EMPTY_PATH
from studyapp.services import accounts

PROFILE_CONFIG = str(Path(__file__).resolve().parent / "gunicorn_profile.py")
CALLGRIND = [
    "valgrind",
    "--tool=callgrind",
    "--zero-before=gc_get_freeze_count*",
    "--dump-before=sys_getswitchinterval*",
]
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://127.0.0.1/study"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of request: what it is, which servers get it, and how to make the next one."""

    name: str
    servers: tuple[str, ...]
    make: Callable[[], tuple[str, str, dict[str, str], str | None]]  # method, path, headers, body
    answered: Callable[[str], None] = lambda html: None  # sees each response (the answer step)


class Window:
    """Counts a window of requests to one server: callgrind dumps, or cProfile .prof files."""

    def __init__(self, server: study.Server, folder: Path, callgrind: bool) -> None:
        self.server = server
        self.folder = folder
        self.callgrind = callgrind

    def _control(self, action: str) -> None:
        status, _, _ = study.request(self.server.port, "GET", f"/bench/_control/{action}")
        if status != 204:
            raise RuntimeError(f"control {action} answered {status}; is BENCH_CONTROL set?")

    def _dumps(self) -> set[Path]:
        return set(self.folder.glob(f"callgrind.{self.server.name}.*.out.*")) | set(
            self.folder.glob("bench-window-*.prof")
        )

    def measure(self, send: Callable[[], None], n: int) -> Path:
        before = self._dumps()
        self._control("start")
        for _ in range(n):
            send()
        self._control("stop")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            new = self._dumps() - before
            if new:
                if len(new) > 1:
                    raise RuntimeError(f"one window made {len(new)} dumps: a marker is called elsewhere")
                time.sleep(0.3)  # let the writer finish the file
                return new.pop()
            time.sleep(0.1)
        raise RuntimeError("no dump appeared after the window")


def instructions(dump: Path) -> int:
    text = dump.read_text(errors="replace")
    found = re.search(r"^summary:\s+(\d+)", text, re.M) or re.search(r"^totals:\s+(\d+)", text, re.M)
    if not found:
        raise RuntimeError(f"no summary line in {dump}")
    return int(found.group(1))


def profile_top(prof: Path, n: int, lines: int, key: str) -> str:
    """The functions of a cProfile window with the most own time (key "own") or cumulative time."""
    stats = pstats.Stats(str(prof), stream=io.StringIO())
    total = stats.total_tt  # type: ignore[attr-defined]
    column = 2 if key == "own" else 3
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][column], reverse=True)  # type: ignore[attr-defined]
    text = [f"    {key + ' %':>6} {key + ' µs/req':>10} {'calls/req':>9}  function"]
    for (file, line, name), entry in rows[:lines]:
        where = re.sub(r".*/site-packages/", "", file.replace(str(study.ROOT) + "/", ""))
        text.append(
            f"    {100 * entry[column] / total:6.1f} {1e6 * entry[column] / n:10.1f} {entry[1] / n:9.1f}"
            f"  {name} ({where}:{line})"
        )
    return "\n".join(text)


def log_in_cookie(url: str, user_id: int) -> str:
    """A logged-in session cookie holding a CSRF token, made in-process (the servers share the
    database and SECRET_KEY): argon2 under callgrind would take minutes."""
    from studyapp import create_app

    client = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}).test_client()
    csrf = study.input_value(client.get("/login").text, "csrf_token") or ""
    response = client.post(
        "/login", data={"csrf_token": csrf, "username": study.username(user_id), "password": study.PASSWORD}
    )
    if response.status_code != 302:
        raise RuntimeError(f"in-process login answered {response.status_code}")
    client.get("/study", headers=HTMX)  # puts a CSRF token into the session
    cookie = client.get_cookie("session")
    if cookie is None:
        raise RuntimeError("no session cookie after login")
    return f"session={cookie.value}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="requests in each counted window (default 40)")
    parser.add_argument("--keep", type=Path, help="keep the callgrind dumps (or .prof files) in this folder")
    parser.add_argument("--cprofile", action="store_true", help="cProfile the windows (no valgrind)")
    parser.add_argument(
        "--servers", default="studyapp,plain,bare", help="which servers to measure (default studyapp,plain,bare)"
    )
    parser.add_argument("--lines", type=int, default=25, help="functions shown per window with --cprofile")
    parser.add_argument(
        "--sort", choices=("own", "cum"), default="cum", help="--cprofile: by own or cumulative time (default cum)"
    )
    args = parser.parse_args(argv)
    callgrind = not args.cprofile
    if callgrind and not shutil.which("valgrind"):
        print("valgrind is not installed: apt-get install -y valgrind (or use --cprofile)", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="studyapp-bench-instructions-") as tmp:
            folder = Path(tmp)
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                folder = args.keep
            return _run(folder, args.requests, callgrind, args.lines, args.sort, args.servers.split(","))
    finally:
        study.CLEANUP.run()


def _run(folder: Path, n: int, callgrind: bool, lines: int, sort: str, only: Sequence[str]) -> int:
    study.say("sqlite: migrations, content import and 2 users")
    url = f"sqlite:///{folder / 'instructions.sqlite3'}"
    bank, questions, source = study.load_content()
    ids = study.migrate_and_import(url, bank, questions)[: study.CARDS_PER_USER]
    data = study.Dataset(2, ids, lambda u: 500)
    study.fill_sqlite(url, data, accounts.hash_password(study.PASSWORD), datetime.now(UTC))
    logged_in = log_in_cookie(url, 1)

    def server(name: str, app: str, env: dict[str, str]) -> study.Server:
        wrapper = [*CALLGRIND, f"--callgrind-out-file={folder}/callgrind.{name}.%p.out"] if callgrind else []
        return study.Server(
            name,
            url,
            folder,
            app=app,
            workers=1,
            env={"BENCH_CONTROL": "1", "BENCH_PROFILE_DIR": str(folder), **env}
            | ({} if callgrind else {"BENCH_PROFILE": "1"}),
            wrapper=wrapper,
            config=PROFILE_CONFIG,
            start_s=600 if callgrind else 60,
        )

    servers = {
        "studyapp": server("studyapp", "bench.app:create_bench_app()", {}),
        "plain": server("plain", "bench.app:create_bench_app()", {"STUDYAPP_PLAIN_EXECUTE": "1"}),
        "bare": server("bare", "bench.bare:create_bare_app()", {}),
    }
    servers = {name: srv for name, srv in servers.items() if name in only}

    # The anonymous session of a visitor who has seen a form: it holds a raw CSRF token.
    anonymous = {"cookie": "", "csrf": ""}
    answering = {"cookie": logged_in, "csrf": "", "fields": None}

    def empty_post(cookie: str, csrf: str) -> tuple[str, str, dict[str, str], str | None]:
        return "POST", EMPTY_PATH, {**HTMX, **FORM, "Cookie": cookie}, urlencode({"csrf_token": csrf})

    def answer() -> tuple[str, str, dict[str, str], str | None]:
        fields = answering["fields"]
        if fields is None:
            return "GET", "/study", {**HTMX, "Cookie": logged_in}, None
        body = urlencode({"csrf_token": answering["csrf"], **fields, "rating": "3"})
        return "POST", "/study/answer", {**HTMX, **FORM, "Cookie": logged_in}, body

    def answered(html: str) -> None:
        answering["fields"] = study.card_fields(html)  # type: ignore[assignment]
        answering["csrf"] = study.input_value(html, "csrf_token") or answering["csrf"]

    everyone = ("studyapp", "bare")
    kinds = [
        Kind("empty GET, no cookie", everyone, lambda: ("GET", EMPTY_PATH, dict(HTMX), None)),
        Kind(
            "empty GET, anonymous session",
            ("studyapp",),
            lambda: ("GET", EMPTY_PATH, {**HTMX, "Cookie": anonymous["cookie"]}, None),
        ),
        Kind("empty POST + CSRF, anonymous", everyone, lambda: empty_post(anonymous["cookie"], anonymous["csrf"])),
        Kind("empty GET, logged in", ("studyapp",), lambda: ("GET", EMPTY_PATH, {**HTMX, "Cookie": logged_in}, None)),
        Kind("empty POST + CSRF, logged in", everyone, lambda: empty_post(logged_in, answering["csrf"])),
        Kind(
            "card fragment POST (baseline)",
            everyone,
            lambda: ("POST", BASELINE_PATH, {**HTMX, **FORM, "Cookie": anonymous["cookie"]}, "rating=3"),
        ),
        Kind(
            "GET /study (htmx), logged in",
            ("studyapp", "plain"),
            lambda: ("GET", "/study", {**HTMX, "Cookie": logged_in}, None),
        ),
        Kind("POST /study/answer (htmx)", ("studyapp", "plain"), answer, answered),
        Kind(
            "GET /glossary?q=model (htmx)",
            ("studyapp",),
            lambda: ("GET", "/glossary?q=model", {**HTMX, "Cookie": anonymous["cookie"]}, None),
        ),
    ]
    counts: dict[tuple[str, str], float] = {}
    profiles: dict[tuple[str, str], Path] = {}
    for name, srv in servers.items():
        study.say(f"{name}: starting gunicorn (1 worker{', under callgrind: slow' if callgrind else ''})")
        started = time.monotonic()
        srv.start()
        study.say(f"{name}: up in {time.monotonic() - started:.0f} s")
        try:
            if name != "bare" and not anonymous["cookie"]:  # an anonymous session, the first card
                _, headers, html = study.request(srv.port, "GET", "/login")
                anonymous["cookie"] = study.session_cookie(headers)
                anonymous["csrf"] = study.input_value(html, "csrf_token") or ""
                _, _, html = study.request(srv.port, "GET", "/study", {**HTMX, "Cookie": logged_in})
                answered(html)
            window = Window(srv, folder, callgrind)
            empty = window.measure(lambda: None, 0)
            calibration = instructions(empty) if callgrind else 0
            for kind in kinds:
                if name not in kind.servers:
                    continue

                def send(kind: Kind = kind, srv: study.Server = srv) -> None:
                    method, path, headers, body = kind.make()
                    status, _, html = study.request(srv.port, method, path, headers, body)
                    if status >= 400:
                        raise RuntimeError(f"{srv.name}: {kind.name}: {method} {path} answered {status}")
                    kind.answered(html)

                for _ in range(5):
                    send()
                study.say(f"{name}: {kind.name}: {n} requests")
                dump = window.measure(send, n)
                if callgrind:
                    counts[(name, kind.name)] = (instructions(dump) - calibration) / n
                else:
                    profiles[(name, kind.name)] = dump
        finally:
            srv.stop()
        if srv.problems():
            print(f"  {name} server log: {srv.problems()[0]}", file=sys.stderr)

    print()
    if callgrind:
        _report_counts(counts, n, source)
    else:
        print(
            f"cProfile inside one gunicorn worker, {n} requests per window ({sort} time, cProfile's overhead included)"
        )
        for (name, kind), prof in profiles.items():
            print(f"  {name}: {kind}")
            print(profile_top(prof, n, lines, sort))
    return 0


def _report_counts(counts: dict[tuple[str, str], float], n: int, source: str) -> None:
    def k(name: str, kind: str) -> float:
        return counts.get((name, kind), float("nan"))

    bare_get = k("bare", "empty GET, no cookie")
    bare_post = k("bare", "empty POST + CSRF, anonymous")
    print(f"instructions per request inside one gunicorn sync worker (callgrind, window of {n}; {source})")
    print(f"  {'server':<9} {'request':<34} {'instructions':>13} {'x bare empty':>13}")
    for (name, kind), value in counts.items():
        reference = bare_get if "GET" in kind and "POST" not in kind else bare_post
        print(f"  {name:<9} {kind:<34} {value:13,.0f} {value / reference:13.2f}")
    print("  x bare empty: against the bare app's empty route with the same method (GET or POST).")
    s = lambda kind: k("studyapp", kind)  # noqa: E731
    steps = [
        ("studyapp's hooks and extensions, no cookie", s("empty GET, no cookie") - bare_get),
        ("reading the anonymous session cookie", s("empty GET, anonymous session") - s("empty GET, no cookie")),
        ("loading the logged-in user (GET)", s("empty GET, logged in") - s("empty GET, anonymous session")),
        ("form + CSRF check, logged in (POST less GET)", s("empty POST + CSRF, logged in") - s("empty GET, logged in")),
        (
            "card fragment: studyapp less bare",
            s("card fragment POST (baseline)") - k("bare", "card fragment POST (baseline)"),
        ),
    ]
    print("where studyapp's fixed cost goes (differences of the rows above, instructions per request):")
    for label, value in steps:
        print(f"  {label:<48} {value:12,.0f}")
    prepared, plain = s("POST /study/answer (htmx)"), k("plain", "POST /study/answer (htmx)")
    print(
        f"answer step: Prepared {prepared:,.0f}, plain Connection.execute {plain:,.0f} instructions per request"
        f" ({100 * (plain - prepared) / prepared:+.1f}% for plain)"
    )
    print(
        "  (instructions count the worker's CPU work only; the database's own time is in them for SQLite,"
        " which runs inside the worker)"
    )


if __name__ == "__main__":
    sys.exit(main())
