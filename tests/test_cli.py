"""`flask questions check|import` through Flask's CLI runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from studyapp.extensions import db
from studyapp.models import Term
from tests.conftest import FIXTURE_BANK


def test_check_prints_counts_as_json(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["questions", "check", "--json", "--dir", str(FIXTURE_BANK)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["terms"] == 9
    assert summary["zones"] == {"red": 5, "green": 4}
    assert summary["articles"] == {"orchard": 4}
    assert summary["questions"]["choice_term"] == 9 and summary["questions"]["matching"] == 2
    assert set(summary) >= {"terms", "zones", "articles", "questions", "fallback", "near_duplicates"}


def test_check_in_text_names_each_kind(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["questions", "check", "--dir", str(FIXTURE_BANK)])
    assert result.exit_code == 0
    assert "9 terms in 2 zones" in result.output and "cloze_choice" in result.output


def test_invalid_content_exits_1_with_places_and_leaves_the_database_alone(app: Flask, tmp_path: Path) -> None:
    bank = tmp_path / "questions"
    shutil.copytree(FIXTURE_BANK, bank)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["questions", "import", "--dir", str(bank)]).exit_code == 0
    before = db.session.scalar(select(func.count()).select_from(Term))
    red = bank / "glossary" / "red.yaml"
    red.write_text(
        red.read_text()
        .replace("contrasts_with: [plum]", "contrasts_with: [damson]")
        .replace("- slug: quince", "- slug: pear")
    )
    for command in ("check", "import"):
        result = runner.invoke(args=["questions", command, "--dir", str(bank)])
        assert result.exit_code == 1
        assert "questions/glossary/red.yaml:28: cherry: unknown relation target 'damson'" in result.output
        assert "pear: duplicate slug" in result.output
        assert "nothing was changed" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Term)) == before


def test_import_reports_counts_and_is_a_no_op_the_second_time(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["questions", "import", "--dir", str(FIXTURE_BANK)])
    assert first.exit_code == 0 and first.output.startswith("added ")
    second = runner.invoke(args=["questions", "import", "--dir", str(FIXTURE_BANK)])
    assert second.output.startswith("added 0, updated 0, retired 0, unchanged ")


def test_check_reports_findings_with_file_and_line_and_exits_1(app: Flask, tmp_path: Path) -> None:
    from tests.core import kitchen

    bank = kitchen.write_bank(tmp_path)
    result = app.test_cli_runner().invoke(args=["questions", "check", "--dir", str(bank)])
    assert result.exit_code == 1
    where = kitchen.line_of(bank, "articles/kitchen.yaml", "key: knives-often-sharpened")
    assert f"{where}: knives-often-sharpened: [filler-blank]" in result.output
    assert "6 finding(s): filler-blank 1, layout-blank 1, parent-child-swap 1, relation-conflict 3" in result.output
    as_json = app.test_cli_runner().invoke(args=["questions", "check", "--json", "--dir", str(bank)])
    findings = json.loads(as_json.output)["findings"]
    assert {"class": "filler-blank", "location": where, "subject": "knives-often-sharpened"}.items() <= findings[
        [f["class"] for f in findings].index("filler-blank")
    ].items()


def test_check_report_prints_a_sample_per_kind_with_the_key_marked(app: Flask) -> None:
    args = ["questions", "check", "--report", "--per-kind", "2", "--seed", "3", "--dir", str(FIXTURE_BANK)]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "=== choice_term (2) ===" in result.output and "=== matching (2) ===" in result.output
    assert "[bank/glossary/green.yaml:" in result.output and "explanation: " in result.output
    assert result.output.count("\n  * ") >= 2  # the key of each choice item is marked
    again = app.test_cli_runner().invoke(args=args)
    assert again.output == result.output
