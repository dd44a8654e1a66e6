"""The app that `bench.study` serves with gunicorn: the real studyapp plus two bench-only routes.

- The in-app baseline renders the review card fragment (study/_card.html) from constant data: no
  database, no login, the form ignored (CSRF-exempt). It answers GET and POST so a load run can
  post to it exactly as it posts an answer.
- The empty route returns an empty body after the per-request work every studyapp page does: the
  session cookie, Flask-Login's user (read once, so a logged-in cookie costs its query and an
  anonymous one the anonymous user), CSRF validation of a POST, htmx's request wrapper and the
  end-of-request teardown. Beside bench/bare.py's empty route it shows studyapp's fixed cost.

Both are registered here only, never in studyapp.

    DATABASE_URL=... SECRET_KEY=... gunicorn 'bench.app:create_bench_app()'
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from types import SimpleNamespace

from flask import Flask, make_response, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from studyapp import create_app
from studyapp.extensions import csrf

BASELINE_PATH = "/bench/baseline"
EMPTY_PATH = "/bench/empty"

# A real-looking flashcard (about the size of the bank's term_to_definition cards).
_TERM = SimpleNamespace(slug="low-rank-adaptation", label="Low-Rank Adaptation (LoRA)", basis="source")
_ARTICLE = SimpleNamespace(slug="lora-and-qlora", title="LoRA and QLoRA: fine-tuning large models on one GPU")
_QUESTION = SimpleNamespace(
    id=1,
    kind="term_to_definition",
    prompt="Low-Rank Adaptation (LoRA)",
    answer=(
        "A fine-tuning method that freezes the pretrained weights and learns a small low-rank update "
        "for chosen weight matrices instead."
    ),
    explanation=(
        "Only two thin matrices per adapted layer are trained, so the optimizer state is tiny. "
        "The update can be merged into the weights after training, adding no inference latency."
    ),
    term=_TERM,
    article=_ARTICLE,
)


def fake_today() -> SimpleNamespace:
    """What services.study.today returns, as constants: the attributes _card.html reads."""
    card = SimpleNamespace(
        question=_QUESTION,
        card_id=12345,
        version=7,
        queue="review",
        retrievability=0.8734,
        intervals={1: "10 min", 2: "3 d", 3: "9 d", 4: "21 d"},
        token="bench-baseline-token-abcd",
        shown_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
        lapses=0,
    )
    return SimpleNamespace(
        card=card,
        counts=SimpleNamespace(new=12, learning=3, review=41),
        summary=None,
        has_history=True,
        can_undo=True,
        topic=None,
    )


def register_baseline(app: Flask) -> None:
    @csrf.exempt
    def baseline() -> ResponseReturnValue:
        response = make_response(render_template("study/_card.html", today=fake_today(), notice=None))
        response.vary.add("HX-Request")
        response.headers["HX-Trigger"] = "studied"
        return response

    def empty() -> ResponseReturnValue:
        current_user.is_authenticated  # noqa: B018  (load the user, as every page and @login_required does)
        return ""

    app.add_url_rule(BASELINE_PATH, "bench_baseline", baseline, methods=["GET", "POST"])
    app.add_url_rule(EMPTY_PATH, "bench_empty", empty, methods=["GET", "POST"])


def create_bench_app() -> Flask:
    app = create_app(
        {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
        }
    )
    register_baseline(app)
    return app
