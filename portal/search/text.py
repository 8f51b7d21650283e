"""Chinese text for the search index, without a dictionary: every run of Han characters becomes its
overlapping two-character pairs (垃圾分类 → 垃圾 圾分 分类), Latin letters and digits stay whole words.
A word of two or more characters is then an exact phrase of pairs, found through an ordinary
full-text index (SQLite FTS5, PostgreSQL tsvector) on both databases. A single character is the
prefix of a pair or, at the end of a run, its own entry in `tails`, so it is never missed either."""
import re
import unicodedata
from dataclasses import dataclass

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUN = re.compile(rf"[{HAN}]+|[^\W_{HAN}]+")
HAN_RUN = re.compile(rf"[{HAN}]+")


def _runs(text: str) -> list[str]:
    # NFKC folds full-width letters and digits (２０２６, ＡＢ) into the ASCII the index holds.
    return RUN.findall(unicodedata.normalize("NFKC", text).lower())


def _tokens(run: str) -> list[str]:
    if HAN_RUN.fullmatch(run) and len(run) > 1:
        return [run[i:i + 2] for i in range(len(run) - 1)]
    return [run]


def index_grams(*texts: str) -> str:
    """The pairs and words of the texts, space-separated: what the index tokenizes."""
    return " ".join(token for text in texts for run in _runs(text) for token in _tokens(run))


def index_tails(*texts: str) -> str:
    """The last character of every Han run: the one place a single character is not a pair's prefix."""
    return " ".join(run[-1] for text in texts for run in _runs(text) if HAN_RUN.fullmatch(run))


@dataclass(frozen=True)
class Term:
    """One whitespace-separated word of a query: `tokens` must follow each other in the text;
    `prefix` when the last token is a lone Han character (the first half of a pair)."""

    text: str
    tokens: tuple[str, ...]
    prefix: bool

    @property
    def single_character(self) -> bool:
        return self.prefix and len(self.tokens) == 1


def parse_query(query: str) -> list[Term]:
    terms = []
    for word in query.split():
        tokens = tuple(token for run in _runs(word) for token in _tokens(run))
        if tokens and tokens not in [term.tokens for term in terms]:
            last = tokens[-1]
            terms.append(Term(word, tokens, len(last) == 1 and HAN_RUN.fullmatch(last) is not None))
    return terms


def highlight(text: str, terms: list[Term]) -> list[tuple[str, bool]]:
    """The text cut into (piece, matched) pairs; the template escapes every piece and marks the matched
    ones, so no markup is ever built from the text."""
    if not terms or not text:
        return [(text, False)]
    words = sorted({term.text for term in terms}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    pieces, start = [], 0
    for match in pattern.finditer(text):
        if match.start() > start:
            pieces.append((text[start:match.start()], False))
        pieces.append((match.group(), True))
        start = match.end()
    if start < len(text):
        pieces.append((text[start:], False))
    return pieces


def snippet(text: str, terms: list[Term], width: int = 40) -> list[tuple[str, bool]]:
    """About `width` characters of the text around its first match (its start when none matches), highlighted."""
    text = " ".join(text.split())
    positions = [found for term in terms if (found := text.lower().find(term.text.lower())) >= 0]
    start = max(0, min(positions, default=0) - width // 4)
    piece = text[start:start + width]
    return highlight(("…" if start else "") + piece + ("…" if start + width < len(text) else ""), terms)
