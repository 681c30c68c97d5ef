"""Search text: normalisation, the synonym concept groups, and the query parser.

Documents and queries are normalised in Python the same way (accents removed, lower case,
letters and digits only), so SQLite FTS5 and PostgreSQL see identical tokens and return the same
services. A phrase from `data/synonyms.json` found in a document adds its concept token
(``zc<group>``); the same phrase in a query is replaced by that token, so "infirmière à domicile"
and "thuisverpleging" both become ``zchomenursing``. Facets the index can answer (category,
target group, language, municipality served) are tokens too (``zf…``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

SYNONYMS_FILE = Path(__file__).resolve().parent / "data" / "synonyms.json"

# Words that carry no meaning in a directory query (FR, NL, EN).
# fmt: off
STOP_WORDS = frozenset([
    "a", "au", "aux", "de", "des", "du", "d", "l", "la", "le", "les", "un", "une", "et", "en",
    "pour", "avec", "sur", "dans", "chez", "par",
    "het", "een", "van", "voor", "met", "op", "in", "bij", "naar", "te",
    "the", "an", "of", "for", "with", "on", "at", "and", "to",
])
# fmt: on

_NON_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=200_000)
def normalise(text: str) -> str:
    """Lower case, without accents, letters and digits separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.replace("œ", "oe").replace("æ", "ae")).strip()


def tokens(text: str) -> list[str]:
    return normalise(text).split()


def concept_token(group: str) -> str:
    return "zc" + group.replace("_", "")


def facet_token(kind: str, value: str) -> str:
    return "zf" + kind + normalise(value).replace(" ", "")


@dataclass(frozen=True)
class Synonyms:
    # first token -> list of (phrase tokens, group), longest first
    phrases: dict[str, list[tuple[tuple[str, ...], str]]]
    terms: dict[str, list[str]]  # group -> its terms as written

    def find(self, words: list[str]) -> list[tuple[int, int, str]]:
        """(start, end, group) of every synonym phrase in `words`, longest match first."""
        found = []
        index = 0
        while index < len(words):
            match = None
            for phrase, group in self.phrases.get(words[index], []):
                if tuple(words[index : index + len(phrase)]) == phrase:
                    match = (index, index + len(phrase), group)
                    break
            if match:
                found.append(match)
                # Several groups may share a phrase ("santé mentale"): collect them all.
                for phrase, group in self.phrases.get(words[index], []):
                    end = index + len(phrase)
                    same_span = end == match[1] and group != match[2]
                    if same_span and tuple(words[index:end]) == phrase:
                        found.append((index, end, group))
                index = match[1]
            else:
                index += 1
        return found


@lru_cache(maxsize=1)
def synonyms() -> Synonyms:
    data = json.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for group, terms in data["groups"].items():
        for term in terms:
            words = tuple(tokens(term))
            if words:
                phrases.setdefault(words[0], []).append((words, group))
    for entries in phrases.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return Synonyms(phrases=phrases, terms=data["groups"])


@lru_cache(maxsize=100_000)
def concepts_in(text: str) -> frozenset[str]:
    return frozenset(group for _start, _end, group in synonyms().find(tokens(text)))


@dataclass
class Term:
    """One unit of a query: a concept (from a synonym phrase) or a word (matched as a prefix)."""

    text: str  # as the user typed it
    token: str  # what is looked up in the index
    concepts: tuple[str, ...] = ()
    prefix: bool = False


@dataclass
class ParsedQuery:
    terms: list[Term] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.terms)


_WORD = re.compile(r"\w+")


def _query_words(text: str) -> tuple[list[str], list[str]]:
    """The normalised words of a query and, word for word, how the user wrote them."""
    words, written = [], []
    for raw in _WORD.findall(text.replace("_", " ")):
        for word in tokens(raw):
            words.append(word)
            written.append(raw.lower() if len(tokens(raw)) == 1 else word)
    return words, written


def parse_query(text: str) -> ParsedQuery:
    words, written = _query_words(text)
    found = synonyms().find(words)
    by_start: dict[int, list[tuple[int, str]]] = {}
    for start, end, group in found:
        by_start.setdefault(start, []).append((end, group))
    terms: list[Term] = []
    index = 0
    while index < len(words):
        if index in by_start:
            end = by_start[index][0][0]
            groups = tuple(group for _end, group in by_start[index])
            phrase = " ".join(written[index:end])
            # A phrase meaning several concepts ("santé mentale") matches any of them.
            terms.append(Term(text=phrase, token=concept_token(groups[0]), concepts=groups))
            index = end
            continue
        word, shown = words[index], written[index]
        index += 1
        if word in STOP_WORDS:
            continue
        terms.append(Term(text=shown, token=word, prefix=len(word) >= 3))
    return ParsedQuery(terms=terms)


def fts5_query(terms: list[Term], facets: list[str]) -> str:
    """An FTS5 MATCH expression: every term and facet token must be present."""
    parts = []
    for term in terms:
        if term.concepts and len(term.concepts) > 1:
            alternatives = " OR ".join(f'"{concept_token(g)}"' for g in term.concepts)
            parts.append(f"({alternatives})")
        else:
            parts.append(f'"{term.token}"' + ("*" if term.prefix else ""))
    parts.extend(f'"{token}"' for token in facets)
    return " AND ".join(parts)


def tsquery(terms: list[Term], facets: list[str]) -> str:
    """A PostgreSQL to_tsquery('simple', …) expression with the same meaning."""
    parts = []
    for term in terms:
        if term.concepts and len(term.concepts) > 1:
            parts.append("(" + " | ".join(concept_token(g) for g in term.concepts) + ")")
        else:
            parts.append(term.token + (":*" if term.prefix else ""))
    parts.extend(facets)
    return " & ".join(parts)


def document(parts: list[str], extra_tokens: list[str]) -> str:
    """The indexed body: normalised text, then the concept tokens found in it, then facets.

    Parts are normalised one by one (names and organisations repeat: the cache makes building a
    million documents cheap); a synonym phrase is looked for inside each part.
    """
    texts = [normalise(part) for part in parts if part]
    found = sorted({concept_token(group) for text in texts for group in concepts_in(text)})
    return " ".join([*(t for t in texts if t), *found, *extra_tokens])


def matched_words(term: Term, text: str) -> bool:
    """Does the (already normalised) text contain this query term?"""
    words = text.split()
    if term.concepts:
        return any(group in term.concepts for _start, _end, group in synonyms().find(words)) or any(
            concept_token(g) in words for g in term.concepts
        )
    if term.prefix:
        return any(word.startswith(term.token) for word in words)
    return term.token in words
