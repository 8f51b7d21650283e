"""Near-duplicate text measure for Chinese: character shingles, MinHash for candidates, an exact check.

Pure Python, no Flask: the evaluation set and the benchmark use it directly. Chinese has no spaces, so
shingles are runs of characters. Candidates come from locality-sensitive hashing (banded MinHash
signatures stored per item); the verdict is the exact score of the two shingle sets."""
import random
import re
import unicodedata
import zlib

SHINGLE = 3  # characters per shingle (chosen on the evaluation set, see the README)
HASHES = 64
BANDS = 32  # BANDS × ROWS = HASHES; 2 rows per band: a pair at score 0.4 becomes a candidate with p ≈ 0.99
ROWS = HASHES // BANDS
THRESHOLD = 0.3  # the score at or above which two texts count as near-duplicates (see the README)
_PRIME = (1 << 61) - 1
# Fixed seed, not a secret: stored signatures must stay comparable across processes.
_rng = random.Random(20261127)  # nosec B311
_PARAMS = [(_rng.randrange(1, _PRIME), _rng.randrange(0, _PRIME)) for _ in range(HASHES)]
_NOISE = re.compile(r"[^\w]|_", re.UNICODE)


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII), lower case, punctuation and spaces dropped."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())


def shingles(text: str) -> set[int]:
    clean = normalize(text)
    if len(clean) < SHINGLE:
        return {zlib.crc32(clean.encode())} if clean else set()
    return {zlib.crc32(clean[i:i + SHINGLE].encode()) for i in range(len(clean) - SHINGLE + 1)}


def score(a: set[int], b: set[int]) -> float:
    """The larger of Jaccard and a damped containment: a re-filed text with a paragraph added keeps most
    of the shorter one, which Jaccard alone undervalues."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    jaccard = common / len(a | b)
    containment = common / min(len(a), len(b))
    return max(jaccard, containment * 0.8)


def minhash(hashes: set[int]) -> list[int]:
    if not hashes:
        return [0] * HASHES
    return [min((a * x + b) % _PRIME for x in hashes) & 0xFFFFFFFF for a, b in _PARAMS]


def band_keys(signature: list[int]) -> list[int]:
    """One signed 63-bit key per band (it fits a BIGINT column), the band's number mixed in."""
    keys = []
    for band in range(BANDS):
        chunk = signature[band * ROWS:(band + 1) * ROWS]
        data = band.to_bytes(2, "big") + b"".join(value.to_bytes(4, "big") for value in chunk)
        keys.append(int.from_bytes(zlib.crc32(data).to_bytes(4, "big") + zlib.adler32(data).to_bytes(4, "big"),
                                   "big", signed=True) >> 1)
    return keys
