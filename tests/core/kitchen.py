"""A small content bank, written to files in a test, built to provoke every question defect.

Two zones (red: kitchen tools, green: food) and one article whose key points each set a trap:
a number with too few rivals of its unit, a blank after "an", a term with a parent (bread knife
is_a knife), an alias, an acronym spelled out, a false swap with a parent (fork is_a utensil), a filler word, the post's layout. `write_bank`
writes it under tmp/questions so findings carry real file names and lines; `line_of` finds the
line an assertion should expect.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from studyapp.core import content

ARTICLE = "kitchen"


def term(slug: str, name: str, definition: str, **relations: list[str]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for field in ("acronym", "aliases"):
        if field in relations:
            extra[field] = relations.pop(field)
    return {
        "slug": slug,
        "term": name,
        **extra,
        "definition": definition,
        "explanation": "It is found in most kitchens. Cooks reach for it every day.",
        "example": "Any home kitchen.",
        "relations": relations,
        "provenance": {"article": ARTICLE, "basis": "supplementary"},
    }


TOOLS = [
    term(
        "knife",
        "Knife",
        "A hand tool with a sharp steel blade for cutting food on a board.",
        confusable_with=["spoon", "bread-knife"],
        related=["fork"],
    ),
    term(
        "bread-knife",
        "Bread Knife",
        "A long blade with a serrated edge that saws through crusts without crushing.",
        is_a=["knife"],
        confusable_with=["chef-knife", "knife"],
    ),
    term(
        "chef-knife",
        "Chef's Knife",
        "A broad blade about twenty centimetres long that rocks on the board to chop.",
        is_a=["knife"],
        confusable_with=["bread-knife"],
    ),
    term(
        "spoon",
        "Spoon",
        "A small shallow bowl on a handle for stirring, tasting and eating soup.",
        confusable_with=["knife", "ladle"],
        related=["fork"],
    ),
    term(
        "fork",
        "Fork",
        "A handled piece of cutlery with prongs, laid beside the knife, for spearing food.",
        is_a=["utensil"],
        confusable_with=["knife", "spoon", "utensil"],
        related=["whisk"],
    ),
    term(
        "utensil",
        "Utensil",
        "Any small hand-held implement used in preparing or eating a meal.",
        confusable_with=["ladle"],
        related=["spoon"],
    ),
    term(
        "whisk",
        "Whisk",
        "A bundle of looped wires on a handle that beats air into eggs or cream.",
        confusable_with=["fork"],
        contrasts_with=["spoon"],
        related=["ladle"],
    ),
    term(
        "ladle",
        "Ladle",
        "A deep long-handled cup for serving soup from a pot into bowls.",
        confusable_with=["spoon"],
        related=["whisk"],
    ),
    term(
        "low-temperature-cooking",
        "Low-Temperature Cooking",
        "Heating sealed food in a water bath held a few degrees below serving heat for hours.",
        confusable_with=["ladle"],
        related=["whisk"],
    ),
]
FOOD = [
    term(
        "onion",
        "Onion",
        "A layered bulb vegetable with a sharp smell that brings tears when it is cut.",
        aliases=["bulb onion"],
        confusable_with=["garlic"],
        related=["knife"],
    ),
    term(
        "garlic",
        "Garlic",
        "A bulb of small cloves with a strong flavour, crushed or sliced for cooking.",
        confusable_with=["onion"],
        related=["knife"],
    ),
    term(
        "egg",
        "Egg",
        "An oval shelled food laid by hens, then beaten, boiled or fried in many dishes.",
        confusable_with=["cream"],
        related=["whisk"],
    ),
    term(
        "cream",
        "Cream",
        "The fatty top layer of milk that thickens into soft peaks when beaten hard.",
        confusable_with=["egg"],
        related=["whisk"],
    ),
    term(
        "aubergine",
        "Aubergine",
        "A glossy purple fruit eaten as a vegetable, soft and creamy when roasted.",
        confusable_with=["olive"],
        related=["knife"],
    ),
    term(
        "olive",
        "Olive",
        "A small bitter stone fruit cured in brine or pressed for its oil.",
        confusable_with=["aubergine"],
        related=["knife"],
    ),
]


def key_point(key: str, statement: str, cloze: list[Any], terms: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "statement": statement,
        "cloze": cloze,
        "terms": terms,
        "basis": "supplementary",
        "explanation": "Any cook will tell you so.",
        **extra,
    }


KEY_POINTS = [
    key_point("bread-bakes-hot", "Bread bakes at about 220 degrees in a hot oven.", ["220 degrees"], ["knife"]),
    key_point("chopping-an-onion", "Chopping an onion releases a gas that stings the eyes.", ["onion"], ["onion"]),
    key_point(
        "serrated-edge",
        "Slicing a loaf neatly needs a bread knife with a serrated edge.",
        ["bread knife", "serrated"],
        ["bread-knife"],
    ),
    key_point("whisk-beats", "A whisk beats air into cream until it holds peaks.", ["beats"], ["whisk", "cream"]),
    key_point("spoon-stirs", "A wooden spoon stirs a sauce without scratching the pan.", ["stirs"], ["spoon"]),
    key_point(
        "fork-lifts",
        "A fork lifts pasta out of the pot in one move.",
        ["lifts"],
        ["fork"],
        false_swaps=[{"span": "fork", "term": "utensil"}, {"span": "fork", "term": "spoon"}],
    ),
    key_point("ladle-serves", "A ladle serves soup into each bowl from the pot.", ["serves"], ["ladle"]),
    key_point(
        "ltc-stands-for",
        "The acronym LTC is short for Low-Temperature Cooking.",
        ["Low-Temperature Cooking"],
        ["low-temperature-cooking"],
    ),
    key_point("knives-often-sharpened", "Knives are often sharpened on a honing steel.", ["often"], ["knife"]),
    key_point("red-zone-tools", "The post's Red zone lists the tools of the kitchen.", ["Red"], ["knife"]),
    key_point("garlic-is-a-bulb", "Garlic grows as a bulb made of small cloves.", ["Garlic", "cloves"], ["garlic"]),
]


def write_bank(
    root: Path, key_points: list[dict[str, Any]] | None = None, renamed: dict[str, str] | None = None
) -> Path:
    """Write the kitchen bank under root/questions and return that folder.

    `renamed` maps slugs to new slugs, everywhere they are used.
    """
    tools, food, points = copy.deepcopy((TOOLS, FOOD, key_points or KEY_POINTS))
    for old, new in (renamed or {}).items():
        for item in (*tools, *food):
            item["slug"] = new if item["slug"] == old else item["slug"]
            item["relations"] = {k: [new if s == old else s for s in v] for k, v in item["relations"].items()}
        for point in points:
            point["terms"] = [new if s == old else s for s in point["terms"]]
            for swap in point.get("false_swaps", []):
                swap["term"] = new if swap["term"] == old else swap["term"]
    questions = root / "questions"
    (questions / "glossary").mkdir(parents=True)
    (questions / "articles").mkdir()
    for slug, name, order, terms in (("red", "Kitchen Tools", 1, tools), ("green", "Food", 2, food)):
        zone = {"slug": slug, "name": name, "order": order, "basis": "supplementary", "intro": f"{name}."}
        _dump(questions / "glossary" / f"{slug}.yaml", {"zone": zone, "terms": terms})
    article = {
        "slug": ARTICLE,
        "title": "Notes from a kitchen",
        "source_url": "https://example.org/kitchen",
        "coverage": "All of it.",
        "summary": "Tools and food.",
        "sections": [{"title": "Tools", "basis": "supplementary", "key_points": points}],
    }
    _dump(questions / "articles" / f"{ARTICLE}.yaml", article)
    return questions


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200), encoding="utf-8")


def load(root: Path) -> content.Bank:
    return content.load_bank(root)


def line_of(root: Path, relative: str, marker: str) -> str:
    """`questions/<relative>:<line>` of the first line containing `marker` (as findings print it)."""
    path = root / relative
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if marker in line:
            return f"questions/{relative}:{number}"
    raise AssertionError(f"{marker!r} not in {path}")
