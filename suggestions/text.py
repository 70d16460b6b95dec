"""Text handling for matching: sentences, tokens, stems, spelling variants."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# A 200,000-character paste must stay fast: only this much of a log is read.
# 20,000 characters is about 3,500 words, far longer than any reflective log.
MAX_CHARS = 20_000
# Sentences longer than this are cut into pieces so one run-on paste cannot
# dominate the scores (about 60 words).
MAX_SENTENCE_CHARS = 400

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be
    because been before being below between both but by can could did do does
    doing done down during each even ever every few for from further get got
    had has have having he her here hers herself him himself his how i if in
    into is it its itself just let like made make many may me might more most
    much must my myself no nor not now of off on once one only or other our
    ours ourselves out over own per quite rather really said same say says she
    should so some such than that the their theirs them themselves then there
    these they this those through thus to too under until up upon us very was
    way we well were what when where which while who whom why will with within
    without would yes yet you your yours yourself yourselves e g eg ie etc
    im ive id ill dont didnt doesnt isnt wasnt cant couldnt wont wouldnt
    shouldnt hadnt hasnt havent arent werent thats theres whats lets""".split()  # noqa: SIM905 (a word list reads better as prose)
)

_WORD = re.compile(r"[a-z]+|\d+%?")
_APOSTROPHES = re.compile(r"['\u2019]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_DROP_ASCII_LETTERS = str.maketrans("", "", string.ascii_letters)
_SENTENCE_END = re.compile(
    r"([.!?\u2026][\"'\u201d\u2019)\]]*)\s+|\n\s*\n|\n(?=\s*[-\u2022*\d])"
)

# British/American spelling rules, applied to every word on both sides so the
# two spellings meet at one form (a rule, not a list of this unit's words).
_SPELLING_RULES = [
    (re.compile(r"^(\w{3,}?)is(e|ed|es|ing|ation|ations|er|ers|able)$"), r"\1iz\2"),
    (re.compile(r"^(\w{2,}?)ys(e|ed|es|ing|er|ers)$"), r"\1yz\2"),
    (re.compile(r"^(\w{3,})our(s|ed|ing|able|ably|ite|ites|ful|less)?$"), r"\1or\2"),
    (re.compile(r"^(\w{3,})ell(ed|ing|er|ers|ation|ations)$"), r"\1el\2"),
    (re.compile(r"^(\w{3,}[^aeiou])re(s|d)?$"), r"\1er\2"),
    (re.compile(r"^(\w{3,})ogue(s)?$"), r"\1og\2"),
    (re.compile(r"^(\w{3,})mme(s)?$"), r"\1m\2"),
    (re.compile(r"^(\w+)(?:ae|oe)(\w{3,})$"), r"\1e\2"),
    (re.compile(r"^(\w{3,})ence$"), r"\1ense"),
]

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def normalise_word(word: str) -> str:
    """Fold British/American spelling variants of one lower-case word together."""
    for pattern, replacement in _SPELLING_RULES:
        word, count = pattern.subn(replacement, word)
        if count:
            break
    return word


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """Stem one lower-case word after folding its spelling variant."""
    return _stemmer.stemWord(normalise_word(word))


def words(text: str) -> list[str]:
    """Lower-case word tokens of a text (apostrophes dropped: "didn't" -> didnt)."""
    return _WORD.findall(_APOSTROPHES.sub("", text.lower()))


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (stopwords and 1-letter words out)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of a text, long ones cut."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end(1) if match.group(1) else match.start()
        _add_span(text, start, end, spans)
        start = match.end()
    _add_span(text, start, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Append the trimmed span, cut into pieces of at most MAX_SENTENCE_CHARS."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start, start + MAX_SENTENCE_CHARS)
        if cut <= start:
            cut = start + MAX_SENTENCE_CHARS
        spans.append((start, cut))
        start = cut + 1
    if end > start and any(ch.isalnum() for ch in text[start:end]):
        spans.append((start, end))


@dataclass(frozen=True)
class PreparedText:
    """A log cut to size and into sentences, with a reason when it is unusable."""

    text: str
    spans: list[tuple[int, int]]
    problem: str = ""

    @property
    def sentences(self) -> list[str]:
        """The sentence strings, in order."""
        return [self.text[a:b] for a, b in self.spans]


def prepare(text: str | None) -> PreparedText:
    """Limit, split and sanity-check a log; `problem` says why nothing can match."""
    text = (text or "")[:MAX_CHARS]
    tokens = words(text)
    if _mostly_non_latin(text) or (tokens and not _function_words_share_ok(tokens)):
        return PreparedText(
            text, [], "This does not look like English, so nothing is suggested."
        )
    if len(tokens) < 3:
        return PreparedText(text, [], "There is not enough text to suggest anything.")
    return PreparedText(text, split_sentences(text))


def looks_english(text: str, tokens: list[str]) -> bool:
    """True when enough of the letters are Latin and enough words are English
    function words (English prose runs at about 40%; 12% is a safe floor)."""
    return not _mostly_non_latin(text) and _function_words_share_ok(tokens)


def _function_words_share_ok(tokens: list[str]) -> bool:
    """True when at least 12% of the tokens are English function words."""
    function_words = sum(1 for t in tokens if t in STOPWORDS)
    return function_words / len(tokens) >= 0.12


def _mostly_non_latin(text: str) -> bool:
    """True when fewer than 80% of the letters are plain Latin ones."""
    if text.isascii():
        return False
    latin = len(text) - len(text.translate(_DROP_ASCII_LETTERS))
    other = sum(1 for ch in _NON_ASCII.findall(text) if ch.isalpha())
    return latin + other > 0 and latin / (latin + other) < 0.8
