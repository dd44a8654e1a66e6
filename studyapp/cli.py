"""`flask --app studyapp questions check|import`: thin wrappers over core and services."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from studyapp.core import content, generation
from studyapp.extensions import db
from studyapp.services import content_sync


@click.group()
def questions() -> None:
    """Check and import the learning content under questions/."""


def _read(folder: str | None) -> tuple[content.Bank, list[content.Problem]]:
    root = Path(folder or current_app.config["QUESTIONS_DIR"])
    return content.read_bank(root)


def _report_problems(problems: list[content.Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem(s) found; nothing was changed.", err=True)


@questions.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of counts.")
@click.option("--dir", "folder", type=click.Path(file_okay=False), help="Content folder (default: questions/).")
@with_appcontext
def check(as_json: bool, folder: str | None) -> None:
    """Validate every content file and print counts; exit 1 on any problem."""
    bank, problems = _read(folder)
    if problems:
        _report_problems(problems)
        sys.exit(1)
    generated = generation.generate(bank, current_app.config["QUESTION_SEED"])
    duplicates = content.near_duplicate_definitions(bank.terms)
    summary: dict[str, Any] = {
        "terms": len(bank.terms),
        "zones": {z.slug: len(z.terms) for z in bank.zones},
        "articles": {a.slug: len(a.key_points) for a in bank.articles},
        "questions": generation.count_by_kind(generated),
        "fallback": generation.fallback_by_kind(generated),
        "near_duplicates": [[a.slug, b.slug, score] for a, b, score in duplicates],
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{summary['terms']} terms in {len(bank.zones)} zones, ", nl=False)
    click.echo(f"{len(bank.key_points)} key points in {len(bank.articles)} articles")
    click.echo("zones:     " + ", ".join(f"{k} {v}" for k, v in summary["zones"].items()))
    click.echo("articles:  " + ", ".join(f"{k} {v}" for k, v in summary["articles"].items()))
    click.echo(f"questions: {len(generated)}")
    for kind, count in summary["questions"].items():
        fallback = summary["fallback"].get(kind)
        extra = f"  ({fallback} with fallback distractors)" if fallback else ""
        click.echo(f"  {kind:<22}{count:>6}{extra}")
    if duplicates:
        click.echo("near-duplicate definitions (they make unanswerable questions):")
        for a, b, score in duplicates:
            click.echo(f"  {a.slug} ~ {b.slug} ({score:.2f})")


@questions.command("import")
@click.option("--dir", "folder", type=click.Path(file_okay=False), help="Content folder (default: questions/).")
@with_appcontext
def import_(folder: str | None) -> None:
    """Sync the content into the database: one transaction, safe to run again."""
    bank, problems = _read(folder)
    if problems:
        _report_problems(problems)
        sys.exit(1)
    generated = generation.generate(bank, current_app.config["QUESTION_SEED"])
    report = content_sync.import_bank(db.session(), bank, generated, datetime.now(UTC))
    click.echo(str(report))
