"""Glossary search as text: what the import stores for matching, and what a learner's query becomes.

The databases do the matching and the stemming (SQLite FTS5 with the porter tokenizer,
PostgreSQL's english text-search configuration); this module turns the learner's raw input into
the two engines' query languages safely. Every query is first cut into words of letters and
digits, so no character the learner types (quotes, `*`, `-`, `:`, `^`, parentheses, NUL) ever
reaches an engine as syntax. The last word is a prefix, because the learner may still be typing
it. "Did you mean" compares the query with term names with rapidfuzz (Jaro-Winkler, which
rewards a shared beginning: learners misspell the middle of a word more often than its start).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from rapidfuzz import process, utils
from rapidfuzz.distance import JaroWinkler

# Letters and digits only: underscore is a word character to `\w` but a separator to both engines.
_WORD = re.compile(r"[^\W_]+")
# Below this Jaro-Winkler similarity a suggestion is more often a stranger than a correction
# ("modle" would offer "Model Card"); "attension" scores 0.96 against the alias "attention".
SUGGESTION_CUTOFF = 0.85
# The columns of the SQLite FTS5 table and the PostgreSQL weights the same parts carry.
NAMES, ALIASES, DEFINITION, WHOLE_NAME = "names", "aliases", "definition", "whole_name"
WEIGHTS = {NAMES: "A", ALIASES: "B", DEFINITION: "C", WHOLE_NAME: "D"}
# The index also holds each name alone between these marker words (migration 0005 writes the
# same two), so "the query is the name, in any stemmed form" is a phrase from marker to marker.
NAME_START, NAME_END = "qxnamestartqx", "qxnameendqx"
_MATCHED = (NAMES, ALIASES, DEFINITION)  # what a query matches; the marked name only ranks


def search_names(names: Iterable[str]) -> str:
    """A term's lower-cased name and acronym, each between bars, so exact and prefix matches are LIKEs."""
    return "|" + "|".join(n.lower() for n in names) + "|"


def cleaned(query: str) -> str:
    """The query as shown back and compared: control characters (NUL included) dropped, spaces collapsed."""
    printable = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in query)
    return " ".join(printable.split())


def words(query: str) -> list[str]:
    """The lower-cased words of a query: runs of letters and digits, everything else a separator."""
    return _WORD.findall(query.lower())


def like_pattern(text: str) -> str:
    """`text` escaped for a LIKE with ESCAPE '/': %, _ and / match only themselves."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def fts5_query(query_words: Sequence[str], column: str | None = None) -> str:
    """An FTS5 MATCH expression: every word (the last one as a prefix) in one column, or in any.

    Each word is an FTS5 string (double quotes doubled), so words such as NEAR or OR stay words.
    """
    if not query_words:
        raise ValueError("an FTS5 query needs at least one word")
    quoted = ['"' + w.replace('"', '""') + '"' for w in query_words]
    quoted[-1] += "*"
    return f"{{{column or ' '.join(_MATCHED)}}} : ({' '.join(quoted)})"


def fts5_whole_name(query_words: Sequence[str]) -> str:
    """An FTS5 MATCH expression for a name that is exactly these words, each in any stemmed form."""
    if not query_words:
        raise ValueError("an FTS5 query needs at least one word")
    phrase = " ".join([NAME_START, *query_words, NAME_END]).replace('"', '""')
    return f'{{{WHOLE_NAME}}} : "{phrase}"'


def tsquery(query_words: Sequence[str], column: str | None = None) -> str:
    """A PostgreSQL to_tsquery text: every word (the last one as a prefix) in one part, or in any.

    Words hold only letters and digits, and each is quoted, so none can be read as an operator.
    """
    if not query_words:
        raise ValueError("a tsquery needs at least one word")
    weight = WEIGHTS[column] if column else "".join(WEIGHTS[part] for part in _MATCHED)
    lexemes = [f"'{w}':{weight}" for w in query_words[:-1]]
    lexemes.append(f"'{query_words[-1]}':*{weight}")
    return " & ".join(lexemes)


def tsquery_whole_name(query_words: Sequence[str]) -> str:
    """A PostgreSQL to_tsquery text for a name that is exactly these words, each in any stemmed form."""
    if not query_words:
        raise ValueError("a tsquery needs at least one word")
    weight = WEIGHTS[WHOLE_NAME]
    return " <-> ".join(f"'{w}':{weight}" for w in [NAME_START, *query_words, NAME_END])


def closest(query: str, names: Sequence[str]) -> int | None:
    """The position in `names` of the name nearest to `query`, if near enough to be a misspelling.

    `names` holds every name a learner might type (names, acronyms, aliases); the first of
    equally near names wins.
    """
    if not words(query) or not names:
        return None
    best = process.extractOne(
        query,
        names,
        scorer=JaroWinkler.normalized_similarity,
        processor=utils.default_process,
        score_cutoff=SUGGESTION_CUTOFF,
    )
    return None if best is None else int(best[2])
