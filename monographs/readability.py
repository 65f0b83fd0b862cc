"""How plainly an answer is written: a reading-level figure for its writer and reviewer. Advice, never a block.

The figure is the Flesch-Kincaid grade (textstat), which weighs words by their
syllables. Drug and condition names are long but are not hard words a writer
could replace, so every word that names a drug or condition in the database
(names.py, the rule search uses) is counted as a word of one syllable.
"""

import re
from dataclasses import dataclass

import textstat
from django.conf import settings

from . import names, rendering
from .models import Article

# Sentences longer than this are listed for the writer, longest first (plain-language guides: 20 to 25 words).
LONG_SENTENCE = 25
SENTENCES_LISTED = 3
# A word as counted here: letters, with the hyphens and apostrophes inside it.
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]*\s+")
# What a name is counted as: a plain word of one syllable.
_SHORT_WORD = "name"


@dataclass(frozen=True)
class Sentence:
    text: str
    words: int


@dataclass(frozen=True)
class Reading:
    grade: float
    target: int
    words: int
    sentences: int
    names: list[str]  # the words counted as names, as written
    long_sentences: list[Sentence]

    long_sentence = LONG_SENTENCE

    @property
    def above_target(self) -> bool:
        return self.grade > self.target


def reading_level(markdown: str) -> Reading | None:
    """Return the reading level of an answer's Markdown, or None if it has no words."""
    # Each block (paragraph, heading, list item) is a sentence at least, ended or not.
    blocks = rendering.plain_text(rendering.render_markdown(markdown)).split("\n\n")
    blocks = [block if block[-1] in ".!?:;" else f"{block}." for block in blocks if _WORD.search(block)]
    if not blocks:
        return None
    text = " ".join(blocks)
    # Only long words are looked up: a short name weighs little (and syllables are guessed for unknown words).
    long_words = sorted({w for w in _WORD.findall(text) if len(w) >= 7 or textstat.syllable_count(w) >= 3})
    found = names.named_by(long_words, Article)
    named = {word for word, subjects in found.items() if subjects}
    plain = _WORD.sub(lambda match: _SHORT_WORD if match.group(0) in named else match.group(0), text)

    sentences = [Sentence(s, len(_WORD.findall(s))) for block in blocks for s in _SENTENCE_END.split(block) if s]
    longest = sorted((s for s in sentences if s.words > LONG_SENTENCE), key=lambda s: -s.words)
    return Reading(
        grade=round(textstat.flesch_kincaid_grade(plain), 1),
        target=settings.DRUGREF_READING_GRADE,
        words=len(_WORD.findall(text)),
        sentences=len(sentences),
        names=sorted(named, key=str.casefold),
        long_sentences=longest[:SENTENCES_LISTED],
    )
