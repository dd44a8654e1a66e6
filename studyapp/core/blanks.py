"""What kind of thing a cloze blank asks for, and whether an option fits the sentence around it.

A multiple-choice cloze is only fair when every option could fill the blank as far as grammar
and form go, so that only knowledge picks the key. There is no language model here (none can be
downloaded), so the type of a span comes from simple rules anyone can check by eye:

1. **number**: it holds a digit or a number word; its unit is what is left ("48 GB" -> "gb",
   "4-bit" -> "bit"), a four-digit number from 1900 to 2099 is a year, "billion" a scale word;
2. **term**: it is a name, acronym or alias of a glossary term (or the plural of one);
3. **formula** or **proper** name: maths symbols, quoted titles, capitalised words that are no
   term; these, like plain noun phrases (see AUTHOR_ONLY), take only an author's `distractors`;
4. otherwise a part of speech, from the span's own shape and the words on either side of the
   blank: after a determiner or preposition a noun phrase, after a modal a verb, after "is" or
   "stays" a participle or adjective, a hyphenated compound a modifier, "-ly" an adverb, one
   word before the noun it qualifies a premodifier.

The same functions tell the generator what to offer and `questions check` what to flag, so a
rule can never hold in one and not the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from studyapp.core.content import Bank, find_span


def word_set(text: str) -> frozenset[str]:
    """The words of a space-separated list, as a set (keeps long word lists readable)."""
    return frozenset(text.split())


NUMBER, TERM, NOUN, VERB, PARTICIPLE, ADJECTIVE, MODIFIER, PREMODIFIER, ADVERB, COMPARATIVE, PHRASE, PROPER, FORMULA = (
    "number",
    "term",
    "noun phrase",
    "verb phrase",
    "participle",
    "adjective",
    "modifier",
    "premodifier",
    "adverb",
    "comparative",
    "prepositional phrase",
    "proper name",
    "formula",
)
# Types whose options can only be the author's own `distractors`. A proper name or a formula has
# no rivals a rule could find; a noun phrase that names no glossary term is open-ended, and rival
# nouns from other blanks, however well typed, read as nonsense in most sentences ("consumes a
# great deal of latency"; 30 of 45 such items judged defective in review).
AUTHOR_ONLY = (PROPER, FORMULA, NOUN, PREMODIFIER, PHRASE)

NUMBER_WORDS = word_set(
    "zero one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
    "sixty seventy eighty ninety hundred half third thirds quarter quarters"
)
SCALE_WORDS = ("thousand", "million", "billion", "trillion")
DETERMINERS = word_set(
    "a an the its their his her our your my this that these those each every any no some many much few "
    "several another both all either neither whose which what"
)
PREPOSITIONS = word_set(
    "of in into for with by from on at to through between over about than as per without within across "
    "onto under after before during against among towards toward via like behind beside above below "
    "around along inside outside beyond throughout until upon off away"
)
MODALS = word_set("can could will would should may might must does do did shall")
LINKING = word_set("is are was were be been being stays stay remains remain becomes become gets get seems")
DEGREE = word_set("how very so too nearly fully quite rather almost less more most")
SUBJECT_PRONOUNS = word_set("it they we he she which who that one")
OBJECT_STARTERS = DETERMINERS | word_set("them it us him her back up out down")
SINGULAR_CUES = word_set("a an one each every this that another single")
PLURAL_CUES = word_set("these those many several few both two three four five six seven eight nine ten multiple")
CONJUNCTIONS = word_set("and or but nor")
SINGULAR_VERBS = word_set("is was has does stays remains becomes seems")
PLURAL_VERBS = word_set("are were have do stay remain become seem")
ADJECTIVE_SUFFIXES = ("ous", "ive", "al", "ic", "ent", "ant", "ble", "ful", "less", "ary", "istic", "ised", "ized")
# "an" before these letters when an acronym is read letter by letter (an LLM, an RNN, an SFT).
_VOWEL_SOUND_LETTERS = frozenset("AEFHILMNORSX")
_CONSONANT_SOUND_PREFIXES = ("uni", "use", "usu", "uti", "eu", "one", "once")
_SILENT_H = ("hour", "honest", "honour", "honor")
SMALL_WORDS = word_set("a an and as at but by for in into nor of on or per the to via vs with")
_WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9'’.\-×/]*[A-Za-z0-9])?")
_EXPANSION_CUES = ("short for", "stands for", "acronym", "abbreviation", "abbreviated", "initialism")


@dataclass(frozen=True)
class BlankType:
    """The type of a blank: `kind` (one of the constants above) and a detail that must also match.

    The detail is the unit of a number, "acronym" or "name" for a term, "plural"/"singular" for a
    noun phrase, the inflection ("s", "ed", "ing", "base") of a verb.
    """

    kind: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind} ({self.detail})" if self.detail else self.kind


@dataclass(frozen=True)
class Context:
    """The words around a blank: the one before and the one after (lower case, "" at an edge)."""

    before: str
    after: str
    at_start: bool
    before_capitalised: bool = False
    before2: str = ""  # the word before `before`

    @classmethod
    def of(cls, statement: str, span: str) -> Context:
        start = find_span(statement, span)[0]
        head, tail = statement[:start], statement[start + len(span) :]
        before = _WORD.findall(head)
        after = _WORD.findall(tail)
        return cls(
            before=before[-1].lower() if before else "",
            after=after[0].lower() if after and not re.match(r"\s*[,;:.)]", tail) else "",
            at_start=not head.strip(" \"'“(") or head.rstrip().endswith((".", ":")),
            before_capitalised=bool(before) and before[-1][:1].isupper(),
            before2=before[-2].lower() if len(before) > 1 else "",
        )


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _is_number_word(word: str) -> bool:
    parts = word.lower().split("-")
    return all(p in NUMBER_WORDS or p in SCALE_WORDS for p in parts) and bool(parts[0])


def number_unit(span: str) -> str | None:
    """The unit of a number span, or None when the span is no number.

    "48 GB" -> "gb", "4-bit" -> "bit", "10,000" -> "count", "2017" -> "year", "0.37" -> "decimal",
    "one third" -> "fraction", "billion" -> "scale", "four" -> "count-word".
    """
    low = span.lower().strip()
    tokens = words(low)
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0] in SCALE_WORDS:
        return "scale"
    numeric = [t for t in tokens if re.fullmatch(r"[0-9][0-9,.]*(?:-[a-z]+)?", t) or _is_number_word(t)]
    if not numeric:
        return None
    rest = [t for t in tokens if t not in numeric]
    hyphen_unit = re.fullmatch(r"[0-9][0-9,.]*-([a-z]+)", numeric[0])
    if hyphen_unit:
        rest.insert(0, hyphen_unit.group(1))
    if rest:
        return " ".join(w.rstrip("s") if len(w) > 3 else w for w in rest)
    first = numeric[0]
    if re.fullmatch(r"(19|20)[0-9]{2}", first):
        return "year"
    if re.fullmatch(r"[0-9]*\.[0-9]+", first):
        return "decimal"
    if any(w.rstrip("s") in ("half", "third", "quarter") for t in numeric for w in t.split("-")):
        return "fraction"
    if first[0].isdigit():
        return "count"
    return "count-word"


def term_of(bank: Bank, span: str) -> tuple[str, str] | None:
    """(slug, "acronym" or "name") when the span names a glossary term, its plural included."""
    low = span.lower()
    forms = [low, low[:-1]] if low.endswith("s") and len(low) > 3 else [low]
    for form in forms:
        term = bank.term_named(form)
        if term is not None:
            return term.slug, "acronym" if term.acronym and form == term.acronym.lower() else "name"
    return None


def is_plural(phrase: str) -> bool:
    """A plural noun phrase by its last word: "data stores", "LLMs", not "loss", "bus", "analysis"."""
    tokens = words(phrase)
    if not tokens:
        return False
    last = tokens[-1]
    if re.fullmatch(r"[A-Z0-9]{2,}s", last):  # LLMs, APIs
        return True
    low = last.lower()
    return len(low) > 3 and low.endswith("s") and not low.endswith(("ss", "us", "is", "ics", "ness", "sis"))


def _inflection(word: str) -> str:
    low = word.lower()
    if low.endswith("ing") and len(low) > 5:
        return "ing"
    if low.endswith("ed") and len(low) > 4:
        return "ed"
    if low.endswith("s") and not low.endswith(("ss", "us", "is")) and len(low) > 3:
        return "s"
    return "base"


def _is_proper(span: str, context: Context) -> bool:
    tokens = words(span)
    if span.startswith(('"', "“")) or (len(tokens) >= 3 and sum(t[:1].isupper() for t in tokens) >= 3):
        return True  # a quoted or capitalised title ("Attention Is All You Need")
    first = tokens[0]
    if first[:1].isupper() and (not context.at_start or context.after == "s"):
        return True  # capitalised inside a sentence, or a possessive ("Google's")
    # Inner capitals or letters with digits name a thing even at the start: BFloat16, NormalFloat.
    return len(tokens) == 1 and bool(re.search(r"[a-z][A-Z]|[A-Z]{2}|[A-Za-z][0-9]", first))


def classify(bank: Bank, statement: str, span: str) -> BlankType:
    """The type of `span` as blanked in `statement` (see the module docstring for the rules)."""
    unit = number_unit(span)
    if unit is not None:
        return BlankType(NUMBER, unit)
    named = term_of(bank, span)
    if named is not None:
        return BlankType(TERM, "acronym" if acronym_shaped(span) else "name")
    if re.search(r"[×·/=+^α-ω∆Δ]", span) or re.fullmatch(r"[A-Za-z]\d*|[A-Za-z]{1,2}\d+", span):
        return BlankType(FORMULA)
    context = Context.of(statement, span)
    if _is_proper(span, context):
        return BlankType(PROPER)
    return BlankType(*_part_of_speech(span, context))


_IRREGULAR_PARTICIPLES = word_set("frozen chosen given taken written broken hidden driven proven built")
_STRONG_ADJECTIVE_SUFFIXES = ("ous", "ive", "ful", "less", "able", "ible", "istic", "ical")


def _content_word(word: str) -> bool:
    """A word after the blank that is likely the noun it qualifies: no function word, no
    comparative ("harder"), no adverb, no single letter (a matrix name like "B")."""
    if len(word) < 3 or not word.isalpha() or word.endswith(("er", "ly")):
        return False
    function = FILLER_WORDS | PREPOSITIONS | DETERMINERS | LINKING | MODALS | CONJUNCTIONS | SUBJECT_PRONOUNS
    return word not in function


def _part_of_speech(span: str, context: Context) -> tuple[str, str]:
    tokens = [t.lower() for t in words(span)]
    first, last = tokens[0], tokens[-1]
    before, after = context.before, context.after
    single = len(tokens) == 1
    if first in PREPOSITIONS or (not single and last in PREPOSITIONS):
        return PHRASE, ""  # "per token", "built into"
    if first in ("more", "less", "far", "much") or after == "than":
        return COMPARATIVE, "adverb" if last.endswith("ly") else ("noun" if len(tokens) > 1 else "")
    if first in ("most", "least") and not single:
        return COMPARATIVE, "superlative"
    if single and first.endswith("ly") and len(first) > 4:
        return ADVERB, ""
    if single and "-" in first:
        return MODIFIER, ""
    if len(tokens) == 2 and tokens[0].endswith("ly") and _inflection(tokens[1]) == "ed":
        return MODIFIER, ""  # "newly added"
    inflection = _inflection(first)
    determiner_before = before in DETERMINERS or before in PREPOSITIONS or before.endswith(("'s", "’s"))
    participle_shape = inflection == "ed" or first in _IRREGULAR_PARTICIPLES
    if single and (before in MODALS or (before == "to" and inflection == "base")):
        return VERB, "base"
    if single and participle_shape and not determiner_before:
        return PARTICIPLE, ""  # "can be merged", "stays frozen", "once trained", "weights frozen"
    if single and first.endswith(_STRONG_ADJECTIVE_SUFFIXES) and before not in ("a", "an", "the"):
        return ADJECTIVE, ""
    if single and (before in LINKING or before in DEGREE) and not is_plural(first):
        return ADJECTIVE, ""  # "how random", "nearly deterministic"
    if single and not determiner_before and inflection == "ing":
        return VERB, "ing"  # "evaluating them and backtracking"
    if single and not is_plural(first) and _content_word(after):
        return PREMODIFIER, ""  # a word qualifying the noun after it: "intermediate reasoning", "value projection"
    if single and not determiner_before and inflection == "s":
        subject_before = before in SUBJECT_PRONOUNS or context.before_capitalised
        # "A whisk beats air": a singular determiner and a noun make a subject, and an object
        # follows ("the quantization constants themselves" and "the model weights stay" are nouns).
        noun_subject = (
            context.before2 in SINGULAR_CUES
            and after
            and after not in LINKING | MODALS | CONJUNCTIONS
            and not after.endswith(("self", "selves"))
        )
        if subject_before or noun_subject or (after in OBJECT_STARTERS and before not in CONJUNCTIONS):
            return VERB, "s"  # "it learns", "QLoRA backpropagates", "the tokenizer decodes them"
    return NOUN, "plural" if is_plural(span) else "singular"


# --- agreement and case --------------------------------------------------------------------


def article_for(text: str) -> str:
    """ "a" or "an" before `text`, by its first sound as far as spelling shows it."""
    tokens = words(text)
    if not tokens:
        return "a"
    first = tokens[0].split("-")[0]  # "LLM-as-a-judge" is read from its acronym
    if re.fullmatch(r"[A-Z]{2,}[a-z]?s?|[A-Z]", first) or re.fullmatch(r"[A-Z][A-Z0-9]+", first):
        return "an" if first[0] in _VOWEL_SOUND_LETTERS else "a"
    if first[0].isdigit():
        return "an" if re.match(r"8|11[^0-9]|11$|18[^0-9]|18$", first) else "a"
    low = first.lower()
    if low.startswith(_SILENT_H):
        return "an"
    if low[0] in "aeiou" and not low.startswith(_CONSONANT_SOUND_PREFIXES):
        return "an"
    return "a"


def agrees(option: str, context: Context, blank: BlankType) -> bool:
    """Whether `option` fits the words around the blank: a/an, and number after a cue word.

    Number agreement is only judged where the sentence demands it (a singular or plural
    determiner before the blank, or "is"/"are" right after it), not from the key's own form.
    """
    if context.before in ("a", "an") and article_for(option) != context.before:
        return False
    if blank.kind not in (NOUN, TERM):
        return True
    plural = is_plural(option)
    if plural and (context.before in SINGULAR_CUES or context.after in SINGULAR_VERBS):
        return False
    return not (not plural and (context.before in PLURAL_CUES or context.after in PLURAL_VERBS))


def _protected(word: str) -> bool:
    """Words whose case is part of the spelling: acronyms, inner capitals, digits (LoRA, GPT, BF16)."""
    return bool(re.search(r"[a-z][A-Z]|[A-Z]{2}|[0-9]", word)) or (len(word) == 1 and word.isupper())


@lru_cache(maxsize=4096)  # asked for the same key once per candidate option (see restyle)
def case_styles(text: str) -> frozenset[str]:
    """The casing styles `text` is consistent with: "lower", "sentence", "title".

    Protected words are ignored; an option made only of them (NF4, WordPiece) fits every style.
    """
    parts = [p for w in text.split() for p in w.split("-") if p and p[0].isalpha()]
    free = [(i, p) for i, p in enumerate(parts) if not _protected(p)]
    if not free:
        return frozenset(("lower", "sentence", "title"))
    styles = set()
    if all(p == p.lower() for _, p in free):
        styles.add("lower")
    first_index, first = free[0]
    rest_lower = all(p == p.lower() for _, p in free[1:])
    if rest_lower and (first[:1].isupper() or first_index > 0):
        styles.add("sentence")
    if all(p[:1].isupper() or (i > 0 and p.lower() in SMALL_WORDS) for i, p in free):
        styles.add("title")
    return frozenset(styles)


def restyle(text: str, key: str, context: Context) -> str:
    """`text` written in the key's casing style, so case says nothing about the answer.

    A key made only of protected words (GPT, NF4) sets no style: the option keeps its own case,
    capitalised at the start of a sentence.
    """
    styles = case_styles(key)
    if len(styles) == 3:
        return text[:1].upper() + text[1:] if context.at_start else text
    if "lower" in styles:
        target = "lower"
    elif "title" in styles and len(words(key)) > 1:
        target = "title"
    else:
        target = "sentence"

    def word(w: str, index: int) -> str:
        pieces = w.split("-")
        out = []
        for j, piece in enumerate(pieces):
            if not piece or _protected(piece):
                out.append(piece)
            elif target == "title" and j > 0:
                out.append(piece)  # Chain-of-Thought, Self-Consistency: inner parts keep their case
            elif target == "title" and not (index > 0 and piece.lower() in SMALL_WORDS):
                out.append(piece[:1].upper() + piece[1:].lower())
            else:
                out.append(piece.lower())
        return "-".join(out)

    result = " ".join(word(w, i) for i, w in enumerate(text.split()))
    if target == "sentence" and result and not _protected(result.split()[0].split("-")[0]):
        result = result[:1].upper() + result[1:]
    return result


_MASS_SUFFIXES = ("tion", "sion", "ing", "ment", "ness", "ity", "ance", "ence", "ism", "ware", "data", "ics", "ai")


def countable(name: str) -> bool:
    """Whether a term name can be put in the plural: not a mass noun by its ending, not a brand.

    "Context Window" -> "context windows" works; "Self-Attention", "Inference", "WordPiece" do not.
    """
    last = words(name)[-1] if words(name) else ""
    return not last.lower().endswith(_MASS_SUFFIXES) and not re.search(r"[a-z][A-Z]", last)


def acronym_shaped(text: str) -> bool:
    """One word with two or more capitals and no spaces: GPT, LoRA, RLHF, BF16."""
    return " " not in text and len(re.findall(r"[A-Z]", text)) >= 2 and len(text) <= 8


def pluralise(name: str) -> str:
    """A plural for a term name used in a plural blank ("Token" -> "Tokens")."""
    if is_plural(name):
        return name
    head, _, last = name.rpartition(" ")
    if re.fullmatch(r"[A-Z0-9]{2,}", last):
        plural = last + "s"
    elif last.lower().endswith(("s", "x", "ch", "sh")):
        plural = last + "es"
    elif re.search(r"[^aeiou]y$", last.lower()):
        plural = last[:-1] + "ies"
    else:
        plural = last + "s"
    return f"{head} {plural}" if head else plural


def initials(text: str) -> str:
    """First letters of each word and hyphenated part: "Low-Rank Adaptation" -> "LRA"."""
    return "".join(p[0].upper() for w in text.split() for p in w.split("-") if p)


def expansion_cue(statement: str, key: str) -> bool:
    """Whether the blank spells out an acronym shown in the stem, so its letters give it away.

    "QLoRA is short for ___ LoRA": the key must start with Q. Either the stem says so ("short for",
    "stands for", "acronym"), or the key's initials are the capitals of a word in the stem, or the
    key is a scale word abbreviated after a number in the stem (70B for billion).
    """
    low = statement.lower()
    if any(cue in low for cue in _EXPANSION_CUES):
        return True
    if key.lower() in SCALE_WORDS and re.search(r"\d" + key[0].upper() + r"\b", statement):
        return True  # "a label such as 70B means seventy ___": B gives billion away
    letters = initials(key)
    if len(letters) < 2:
        return False
    rest = statement.replace(key, " ")
    return any("".join(ch for ch in w if ch.isupper()) == letters for w in words(rest))


def length_outlier(options: tuple[str, ...] | list[str]) -> str | None:
    """The option far longer than every other (twice the next and 12 characters more), if any."""
    if len(options) < 3:
        return None
    ranked = sorted(options, key=len, reverse=True)
    longest, second = ranked[0], ranked[1]
    if len(longest) >= 2 * max(len(second), 1) and len(longest) - len(second) >= 12:
        return longest
    return None


# --- blanks that should not be quizzed -------------------------------------------------------

# Words that carry no content on their own: a blank made only of these tests grammar, not AI.
FILLER_WORDS = word_set(
    "a an the this that these those it its it's they them their there here which who whom whose what "
    "and or but nor so yet if then than as of in on at by to for from with into onto about over under "
    "is are was were be been being am has have had do does did can could will would shall should may "
    "might must not no yes very really quite rather just also too only even still often usually "
    "always never sometimes some any many much more most few several each every all both either "
    "neither other another such same different various thing things way ways kind kinds lot lots "
    "etc stuff something anything everything nothing well"
)
# Words that show a statement is about the post's layout rather than about AI.
LAYOUT_WORDS = word_set("zone zones heading headings section sections title titles colour color colours colors")


def is_filler(span: str) -> bool:
    """A blank whose every word is a filler word ("the", "very", "often", "things")."""
    tokens = [t.lower() for t in words(span)]
    return bool(tokens) and all(t in FILLER_WORDS for t in tokens)


def layout_reason(bank: Bank, statement: str, span: str, headings: tuple[str, ...]) -> str | None:
    """Why a blank quizzes the article's layout instead of its content, or None.

    The rule: the answer is a zone's colour (or the word colour itself), or the statement talks
    about the post's layout (it says zone, heading, section, title or colour) and the answer is a
    number or words of one of the post's headings (its title, section titles, the zone names).
    A glossary term's name is always content, wherever it appears.
    """
    low = span.lower().strip()
    if bank.term_named(low) is not None:
        return None
    colours = {z.slug for z in bank.zones}
    if low in colours or low in ("colour", "color"):
        return f"{span!r} is a zone colour"
    if not any(w.lower() in LAYOUT_WORDS for w in words(statement)):
        return None
    if number_unit(span) is not None:
        return f"{span!r} counts the post's zones or headings"
    for heading in headings:
        if find_span(heading, span):
            return f"{span!r} is a word of the heading {heading!r}"
    return None
