"""Parsing and validating content files: every problem names its file, line and subject."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from studyapp.core import content

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "bank"


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    target = tmp_path / "questions"
    shutil.copytree(FIXTURE, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture does not contain {old!r}"
    path.write_text(text.replace(old, new, 1))


def problems_of(root: Path) -> list[str]:
    return [str(p) for p in content.read_bank(root)[1]]


def test_fixture_bank_parses_into_typed_records(bank_dir: Path) -> None:
    bank = content.load_bank(bank_dir)
    assert [z.slug for z in bank.zones] == ["red", "green"]
    assert len(bank.terms) == 9
    apple = bank.term("apple")
    assert apple.zone == "red" and apple.aliases == ("eating apple",)
    assert apple.relations["confusable_with"] == ("pear",)
    assert apple.names == ("Apple", "eating apple")
    orchard = bank.articles[0]
    assert len(orchard.key_points) == 4
    assert orchard.key_points[1].cloze[0] == content.ClozeSpan("7 days")
    assert orchard.contrasts is not None and orchard.contrasts.pairs[0].left == "Usually sweet"
    assert orchard.published == "2025-01"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "glossary/red.yaml",
            "slug: pear",
            "slug: apple",
            "glossary/red.yaml:19: apple: duplicate slug (first at questions/glossary/red.yaml:8)",
        ),
        (
            "glossary/red.yaml",
            "contrasts_with: [plum]",
            "contrasts_with: [damson]",
            "glossary/red.yaml:28: cherry: unknown relation target 'damson'",
        ),
        (
            "glossary/red.yaml",
            "A small stone fruit",
            "A cherry-like small stone fruit",
            "cherry: definition contains its own term 'Cherry'",
        ),
        (
            "glossary/red.yaml",
            "definition: A round pome",
            "definition: An eating apple round pome",
            "apple: definition contains its own term",
        ),
        (
            "glossary/green.yaml",
            "example: Grated into a salad.",
            "example: ''",
            "glossary/green.yaml:8: carrot: 'example' is missing or empty",
        ),
        (
            "glossary/green.yaml",
            "rich in beta-carotene.",
            "rich in beta-carotene and " + "very " * 25 + "good.",
            "carrot: definition has 37 words",
        ),
        ("glossary/green.yaml", "It roasts well.", "It roasts well. " * 5, "parsnip: explanation has 6 sentence(s)"),
        (
            "articles/orchard.yaml",
            "cloze: [sandy]",
            "cloze: [chalky]",
            "carrots-like-sand: cloze span 'chalky' not found in its statement",
        ),
        ("articles/orchard.yaml", "terms: [kale]", "terms: [spinach]", "kale-is-hardy: links unknown term 'spinach'"),
        ("articles/orchard.yaml", "term: pear", "term: kale", "false swap term 'kale' is not confusable"),
        ("glossary/red.yaml", "  order: 1", "  order: [1", "glossary/red.yaml:5: malformed YAML"),
        (
            "glossary/green.yaml",
            "basis: supplementary\n  intro",
            "basis: maybe\n  intro",
            "'basis' must be one of source, supplementary",
        ),
        (
            "glossary/green.yaml",
            "      confusable_with: [parsnip]\n      related: [leek]",
            "      related: [leek]",
            "carrot: has 1 relation(s)",
        ),
    ],
)
def test_each_kind_of_problem_is_reported_with_its_place(
    bank_dir: Path, file: str, old: str, new: str, expected: str
) -> None:
    edit(bank_dir / file, old, new)
    found = problems_of(bank_dir)
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_in_one_run(bank_dir: Path) -> None:
    edit(bank_dir / "glossary/red.yaml", "contrasts_with: [plum]", "contrasts_with: [damson]")
    edit(bank_dir / "articles/orchard.yaml", "cloze: [sandy]", "cloze: [chalky]")
    assert len(problems_of(bank_dir)) == 2
    with pytest.raises(content.ContentError) as raised:
        content.load_bank(bank_dir)
    assert len(raised.value.problems) == 2


def test_missing_folders_are_a_problem_not_a_crash(tmp_path: Path) -> None:
    found = problems_of(tmp_path)
    assert any("no zone files" in p for p in found) and any("no article files" in p for p in found)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("Token", "Each tokens is a unit.", True),
        ("Parameters", "A learned parameter of a network.", True),
        ("LLM", "Several LLMs were compared.", True),
        ("Token", "Tokenization splits text.", False),
        ("LoRA", "QLoRA quantizes the base.", False),
    ],
)
def test_mentions_matches_whole_words_and_plurals(name: str, text: str, expected: bool) -> None:
    assert content.mentions(text, name) is expected


def test_near_duplicate_definitions_are_found(bank_dir: Path) -> None:
    edit(
        bank_dir / "glossary/red.yaml",
        "A sweet pome that narrows towards the stem and softens from the inside when ripe.",
        "A round pome with crisp white flesh and red or green skin, grown in gardens.",
    )
    bank = content.load_bank(bank_dir)
    pairs = [(a.slug, b.slug) for a, b, _ in content.near_duplicate_definitions(bank.terms)]
    assert pairs == [("apple", "pear")]


def test_sentences_do_not_end_at_abbreviations() -> None:
    text = "Hu et al. (2021) froze W0. Adapters help, e.g. for BERT. A. Turing asked it. Done!"
    assert content.sentences(text) == [
        "Hu et al. (2021) froze W0.",
        "Adapters help, e.g. for BERT.",
        "A. Turing asked it.",
        "Done!",
    ]


def test_a_zone_may_keep_a_note_about_its_source_apart_from_its_intro(bank_dir: Path) -> None:
    assert content.load_bank(bank_dir).zones[0].source_note == ""
    red = bank_dir / "glossary" / "red.yaml"
    edit(red, "  intro:", "  source_note: Only the first page of the orchard guide survives.\n  intro:")
    bank, problems = content.read_bank(bank_dir)
    assert problems == []
    assert bank.zones[0].source_note == "Only the first page of the orchard guide survives."
