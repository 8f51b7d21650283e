"""Chinese text for the search index, without a dictionary: every run of Han characters becomes its
overlapping two-character pairs (垃圾分类 → 垃圾 圾分 分类), Latin letters and digits stay whole words.
A word of two or more characters is then an exact phrase of pairs, found through an ordinary
full-text index (SQLite FTS5, PostgreSQL tsvector) on both databases. A single character is the
prefix of a pair or, at the end of a run, its own entry in `tails`, so it is never missed either.

Rare characters are common in names (𬣙, 䶮, 㵘). Han here is every block Unicode 17 assigns to ideographs:
U+4E00–9FFF (unified), U+3400–4DBF (Extension A), U+F900–FAFF (compatibility), 〇 (U+3007, as in 二〇二六年),
and in the supplementary planes Extension B U+20000–2A6DF, C–F U+2A700–2EBEF, I U+2EBF0–2EE5F, the
compatibility supplement U+2F800–2FA1F, G U+30000–3134F, H U+31350–323AF and J U+323B0–3347F. Outside the
BMP a character is written into the index as x + five hex digits (𬣙 → x2c8d9): PostgreSQL's parser
(PostgreSQL 15 with glibc's C.UTF-8) drops letters its libc does not know (Extensions H–J), and the same
spelling on both databases keeps one index format."""
import re
import unicodedata
from dataclasses import dataclass

HAN_BLOCKS = (
    (0x3007, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF), (0x2A700, 0x2EBEF),
    (0x2EBF0, 0x2EE5F), (0x2F800, 0x2FA1F), (0x30000, 0x3134F), (0x31350, 0x323AF), (0x323B0, 0x3347F),
)
HAN = "".join(f"{chr(first)}-{chr(last)}" for first, last in HAN_BLOCKS)
RUN = re.compile(rf"[{HAN}]+|[^\W_{HAN}]+")
HAN_RUN = re.compile(rf"[{HAN}]+")


def _runs(text: str) -> list[str]:
    # NFKC folds full-width letters and digits (２０２６, ＡＢ) into the ASCII the index holds.
    return RUN.findall(unicodedata.normalize("NFKC", text).lower())


def _tokens(run: str) -> list[str]:
    if HAN_RUN.fullmatch(run) and len(run) > 1:
        return [run[i:i + 2] for i in range(len(run) - 1)]
    return [run]


def _spelled(token: str) -> str:
    """The token as the index holds it: characters outside the BMP as x + five hex digits."""
    if token.isascii() or max(token) <= "\uffff":
        return token
    return "".join(f"x{ord(char):05x}" if char > "\uffff" else char for char in token)


def index_grams(*texts: str) -> str:
    """The pairs and words of the texts, space-separated: what the index tokenizes."""
    return " ".join(_spelled(token) for text in texts for run in _runs(text) for token in _tokens(run))


def index_tails(*texts: str) -> str:
    """The last character of every Han run: the one place a single character is not a pair's prefix."""
    return " ".join(_spelled(run[-1]) for text in texts for run in _runs(text) if HAN_RUN.fullmatch(run))


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
        raw = [token for run in _runs(word) for token in _tokens(run)]
        tokens = tuple(_spelled(token) for token in raw)
        if tokens and tokens not in [term.tokens for term in terms]:
            last = raw[-1]
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
