"""`flask --app studyapp questions check|import`: thin wrappers over core and services.

The check itself (counts, findings with file and line, the reviewer's sample) is computed in
core/quality.py; this module only prints it.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from studyapp.core import content, generation, quality
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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of counts and findings.")
@click.option("--dir", "folder", type=click.Path(file_okay=False), help="Content folder (default: questions/).")
@click.option("--report", is_flag=True, help="Also print a sample of each kind of question for review.")
@click.option("--per-kind", default=10, show_default=True, type=click.IntRange(min=1), help="Sample size per kind.")
@click.option("--seed", "sample_seed", default=0, show_default=True, type=int, help="Seed of the --report sample.")
@with_appcontext
def check(as_json: bool, folder: str | None, report: bool, per_kind: int, sample_seed: int) -> None:
    """Validate the content and the questions it yields; exit 1 on any problem or finding."""
    bank, problems = _read(folder)
    if problems:
        _report_problems(problems)
        sys.exit(1)
    generated = generation.generate(bank, current_app.config["QUESTION_SEED"])
    summary = quality.summarize(bank, generated)
    if as_json:
        data = dataclasses.asdict(summary)
        data["findings"] = [
            {
                "class": f.defect,
                "location": str(f.location) if f.location else None,
                "subject": f.subject,
                "message": f.message,
            }
            for f in summary.findings
        ]
        click.echo(json.dumps(data, indent=2))
    else:
        _print_summary(bank, summary)
        if report:
            _print_report(bank, quality.review_sample(generated, per_kind, sample_seed))
    if summary.findings:
        sys.exit(1)


def _print_summary(bank: content.Bank, summary: quality.CheckSummary) -> None:
    click.echo(f"{summary.terms} terms in {len(bank.zones)} zones, ", nl=False)
    click.echo(f"{len(bank.key_points)} key points in {len(bank.articles)} articles")
    click.echo("zones:     " + ", ".join(f"{k} {v}" for k, v in summary.zones.items()))
    click.echo("articles:  " + ", ".join(f"{k} {v}" for k, v in summary.articles.items()))
    click.echo(f"questions: {summary.total_questions}")
    for kind, count in summary.questions.items():
        fallback = summary.fallback.get(kind)
        extra = f"  ({fallback} with fallback distractors)" if fallback else ""
        click.echo(f"  {kind:<22}{count:>6}{extra}")
    if summary.near_duplicates:
        click.echo("near-duplicate definitions (they make unanswerable questions):")
        for a, b, score in summary.near_duplicates:
            click.echo(f"  {a} ~ {b} ({score:.2f})")
    for finding in summary.findings:
        click.echo(str(finding), err=True)
    if summary.findings:
        counts = ", ".join(f"{defect} {n}" for defect, n in summary.findings_by_class().items())
        click.echo(f"{len(summary.findings)} finding(s): {counts}", err=True)


def _print_report(bank: content.Bank, sample: dict[str, list[generation.Question]]) -> None:
    for kind, items in sample.items():
        click.echo(f"\n=== {kind} ({len(items)}) ===")
        for q in items:
            where = quality.question_location(bank, q)
            click.echo(f"\n{q.key}  [{where or 'no source file'}]")
            click.echo(f"  {q.prompt}")
            if q.pairs:
                for i, (label, definition) in enumerate(q.pairs):
                    click.echo(f"    {i + 1}. {label} = {definition}")
            elif q.options:
                for option in q.options:
                    click.echo(f"  {'*' if option == q.answer else ' '} {option}")
            else:
                also = [a for a in q.accepted if a != q.answer]
                click.echo(f"  answer: {q.answer}" + (f" (also accepted: {', '.join(also)})" if also else ""))
            click.echo(f"  explanation: {q.explanation}")


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
