"""Glossary search on SQLite (FTS5) and PostgreSQL (tsvector): words, stems, tiers, "did you mean"."""

from __future__ import annotations

import shutil
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import event, inspect

from studyapp.extensions import db
from studyapp.services import glossary
from tests.conftest import FIXTURE_BANK, commit, import_bank

LIMIT = 50


def slugs(query: str, zone: str | None = None) -> list[str]:
    return [hit.slug for hit in glossary.search(db.session, query, zone, LIMIT).hits]


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("agents", "ai-agent"),
        ("embeddings", "embedding"),
        ("large language models", "large-language-model"),
        ("Large Language Models", "large-language-model"),
    ],
)
def test_plurals_and_stems_find_their_terms(content_app: Flask, query: str, slug: str) -> None:
    found = slugs(query)
    assert slug in found[:3], found


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("embeddings", "embedding"),
        ("large language models", "large-language-model"),
        ("transformers", "transformer"),
        ("Embedding", "embedding"),
    ],
)
def test_the_name_in_another_form_ranks_as_the_exact_name(content_app: Flask, query: str, slug: str) -> None:
    assert slugs(query)[0] == slug


def test_a_whole_word_query_does_not_match_inside_other_words(content_app: Flask) -> None:
    found = slugs("rag")
    assert found[0] == "retrieval-augmented-generation"
    # "fragment" is in their definitions: the old LIKE search listed them
    assert not {"token", "subword", "tokenization"} & set(found)


def test_tiers_rank_exact_name_then_prefix_then_alias_then_definition(content_app: Flask) -> None:
    assert slugs("atten")[0] == "attention-mechanism"  # typing: the name starts with it
    assert slugs("LoRA")[0] == "lora"  # exact acronym before QLoRA
    assert slugs("attention mechanism")[0] == "attention-mechanism"
    hits = glossary.search(db.session, "attention", None, LIMIT).hits
    first_definition_hit = next(i for i, h in enumerate(hits) if "attention" not in h.label.lower())
    assert all("attention" in h.label.lower() for h in hits[:first_definition_hit])
    assert first_definition_hit >= 3 and len(hits) > first_definition_hit


def test_an_alias_ranks_below_names_and_above_definitions(content_app: Flask) -> None:
    hits = glossary.search(db.session, "confabulation", None, LIMIT).hits
    assert hits[0].slug == "hallucination"


def test_a_misspelling_offers_did_you_mean(content_app: Flask) -> None:
    result = glossary.search(db.session, "attension", None, LIMIT)
    assert result.suggestion is not None
    assert result.suggestion.label == "Attention Mechanism"
    assert slugs(result.suggestion.query)[0] == "attention-mechanism"
    assert glossary.search(db.session, "attention", None, LIMIT).suggestion is None
    assert glossary.search(db.session, "zzzqqq", None, LIMIT).suggestion is None


def test_the_zone_filter_applies_to_matches_and_suggestions(content_app: Flask) -> None:
    assert slugs("agents", "yellow")[0] == "ai-agent"
    assert "ai-agent" not in slugs("agents", "blue")
    assert glossary.search(db.session, "attension", "green", LIMIT).suggestion is None


def test_counts_every_match_and_shows_the_best(content_app: Flask) -> None:
    everything = glossary.search(db.session, "model", None, 500)
    limited = glossary.search(db.session, "model", None, 5)
    assert limited.total == everything.total == everything.shown > 5
    assert [h.slug for h in limited.hits] == [h.slug for h in everything.hits[:5]]


HOSTILE = [
    '"',
    '""',
    "*",
    "a*",
    "NEAR(",
    "NEAR(a b, 2)",
    "-",
    "-rag",
    ":",
    "names:rag",
    "{names}: rag",
    "^",
    "^rag",
    "rag AND NOT",
    "OR",
    "(",
    ")",
    "'",
    "a' & 'b",
    "!rag",
    "rag <-> model",
    "rag:*A",
    "\\",
    "%",
    "_",
    "\x00",
    "rag\x00model",
    "\ud7ff\u0301\u200d",
    "日本語",
    "²³",
    "the",
    "a " * 49,
    "x" * 100,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_are_words_never_syntax(content_app: Flask, query: str) -> None:
    result = glossary.search(db.session, query, None, LIMIT)
    assert result.shown <= result.total
    assert result.shown == (len(result.hits) if result.query else sum(len(g.terms) for g in result.groups))
    assert "\x00" not in result.query


def test_fts_characters_around_a_word_still_find_it(content_app: Flask) -> None:
    for query in ('"rag"', "rag*", "(rag)", "-rag", "^rag", "rag:"):
        assert slugs(query)[0] == "retrieval-augmented-generation", query


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    target = tmp_path / "questions"
    shutil.copytree(FIXTURE_BANK, target)
    return target


def test_the_import_keeps_the_index_in_step(app: Flask, bank_dir: Path) -> None:
    import_bank(bank_dir)
    assert slugs("ripe")  # in pear's definition
    path = bank_dir / "glossary" / "red.yaml"
    path.write_text(path.read_text().replace("softens from the inside when ripe", "softens from the core when mellow"))
    import_bank(bank_dir)
    assert "pear" in slugs("mellow")
    assert "pear" not in slugs("inside")
    # a term that leaves the bank is retired and no longer found
    text = path.read_text()
    start = text.index("  - slug: quince")
    path.write_text(text[:start])
    import_bank(bank_dir)
    assert slugs("quince") == []


def test_a_name_typed_halfway_is_found_where_its_stem_is_shorter(content_app: Flask) -> None:
    """The stemmer indexes "Tokenization" as "token": only the name-prefix tier finds it while typing."""
    for query in ("tokeniz", "tokenizati", "Tokenizatio"):
        assert slugs(query)[0] == "tokenization", query


def test_the_name_prefix_index_follows_renamed_and_retired_terms(app: Flask, bank_dir: Path) -> None:
    import_bank(bank_dir)
    path = bank_dir / "glossary" / "red.yaml"
    path.write_text(path.read_text().replace("term: Quince", "term: Quincification Tree"))
    import_bank(bank_dir)
    assert slugs("quincificati") == ["quince"]  # no word of the name starts so: a name prefix only
    text = path.read_text()
    path.write_text(text[: text.index("  - slug: quince")])
    import_bank(bank_dir)
    assert slugs("quincificati") == []


def test_wildcards_in_a_query_match_only_themselves_in_names(app: Flask, bank_dir: Path) -> None:
    path = bank_dir / "glossary" / "red.yaml"
    path.write_text(path.read_text().replace("term: Quince", "term: Q_uince 100%"))
    import_bank(bank_dir)
    assert slugs("q_uince 100%") == ["quince"]
    assert slugs("qxuince") == [] and slugs("q%ince") == []


def test_did_you_mean_follows_renamed_terms(app: Flask, bank_dir: Path) -> None:
    import_bank(bank_dir)
    suggestion = glossary.search(db.session, "quinse", None, LIMIT).suggestion
    assert suggestion is not None and suggestion.label == "Quince"
    path = bank_dir / "glossary" / "red.yaml"
    path.write_text(path.read_text().replace("term: Quince", "term: Bengal Quince"))
    import_bank(bank_dir)
    suggestion = glossary.search(db.session, "bengal quinse", None, LIMIT).suggestion
    assert suggestion is not None and suggestion.label == "Bengal Quince"


# The migration that adds the full-text index; the test steps back to the revision before it.
SEARCH_REVISION = "0006"


def test_the_search_migration_downgrades_and_upgrades(app: Flask, bank_dir: Path) -> None:
    import_bank(bank_dir)
    commit()  # end the read transaction, or PostgreSQL's DROP INDEX waits for it
    flask_migrate.downgrade(revision=f"{SEARCH_REVISION}-1")
    try:
        columns = {c["name"] for c in inspect(db.engine).get_columns("term")}
        assert "search_text" in columns and "search_vector" not in columns
        assert "term_search" not in inspect(db.engine).get_table_names()
    finally:
        flask_migrate.upgrade()
    db.session.remove()
    assert slugs("apples") == ["apple"]  # rebuilt from the rows already there, stems and all
    import_bank(bank_dir)
    assert slugs("apples") == ["apple"]


def test_search_reads_the_database_once_per_keystroke(content_app: Flask) -> None:
    statements: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    live = glossary.zones(db.session)  # the page loads them for its zone filter anyway
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        glossary.search(db.session, "model", None, LIMIT, live)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
