"""Content warnings: classification markings, the admin's sensitive words, citizens' personal data and
form hints. Pure Python (no Flask): the caller passes the words and limits in.

Text is NFKC-normalised first, so full-width digits and letters (１２３, ＡＢＣ) match like ASCII ones."""
import re
import unicodedata
from dataclasses import asdict, dataclass

import ahocorasick

# The 涉密不上网 principle: a marking means the text may be classified and must not go through this
# (internet-facing) system at all.
CLASSIFICATION_MARKS = ("绝密", "机密", "秘密", "国家秘密", "工作秘密", "内部资料", "内部文件", "内部刊物",
                        "内部参考", "涉密", "密级", "不得外传", "注意保存")
KIND_NAMES = {"classified": "密级标志", "sensitive": "敏感词", "personal": "个人信息", "form": "格式提示"}
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_SEP = r"[ \t\u3000-]?"  # a space or hyphen a writer may put inside a number
ID_PATTERN = re.compile(rf"(?<![0-9])(?:[0-9]{_SEP}){{17}}[0-9Xx](?![0-9A-Za-z])")
MOBILE_PATTERN = re.compile(rf"(?<![0-9])1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}(?![0-9])")
CARD_PATTERN = re.compile(rf"(?<![0-9])(?:[0-9]{_SEP}){{15,18}}[0-9](?![0-9])")
SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ContentWarning:
    kind: str
    message: str

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.kind]

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FormLimits:
    title_chars: int
    brief_chars: int
    event_categories: tuple[str, ...]


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def build_matcher(words: list[tuple[str, str]]) -> ahocorasick.Automaton:
    """words: (kind, word). One automaton for all words: the text is scanned once however many there are."""
    automaton = ahocorasick.Automaton()
    for kind, word in words:
        key = SPACES.sub("", normalize(word)).lower()
        if key:
            automaton.add_word(key, (kind, word))
    if len(automaton):
        automaton.make_automaton()
    return automaton


def find_words(matcher: ahocorasick.Automaton, text: str) -> list[ContentWarning]:
    if not len(matcher):
        return []
    found: dict[str, str] = {}
    for _end, (kind, word) in matcher.iter(SPACES.sub("", normalize(text)).lower()):
        found.setdefault(word, kind)
    warnings = []
    for word, kind in found.items():
        if kind == "classified":
            warnings.append(ContentWarning(kind, f"出现密级标志“{word}”：涉密信息不上网，涉密内容不得通过本平台报送"))
        else:
            warnings.append(ContentWarning(kind, f"含敏感词“{word}”，请核实是否适合报送"))
    return warnings


def mask(number: str) -> str:
    """Shown and recorded without the middle: the warning must not spread the data it warns about."""
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def is_id_number(digits: str) -> bool:
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == digits[17].upper()


def passes_luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _strip(match: str) -> str:
    return re.sub(r"[ \t\u3000-]", "", match)


def find_personal_data(text: str) -> list[ContentWarning]:
    text = normalize(text)
    warnings, taken = [], []
    for match in ID_PATTERN.finditer(text):
        digits = _strip(match.group())
        if is_id_number(digits):
            taken.append(match.span())
            warnings.append(ContentWarning("personal", f"疑似公民身份证号码 {mask(digits)}：请删除或隐去"))
    for match in CARD_PATTERN.finditer(text):
        digits = _strip(match.group())
        inside_id = any(start <= match.start() < end for start, end in taken)
        if not inside_id and passes_luhn(digits):
            taken.append(match.span())
            warnings.append(ContentWarning("personal", f"疑似银行卡号 {mask(digits)}：请删除或隐去"))
    for match in MOBILE_PATTERN.finditer(text):
        if not any(start <= match.start() < end for start, end in taken):
            warnings.append(ContentWarning("personal", f"含手机号码 {mask(_strip(match.group()))}：涉及群众个人信息的请隐去"))
    return warnings


def find_form_hints(title: str, body: str, category: str, has_event_end: bool, uncaptioned_photos: int,
                    limits: FormLimits) -> list[ContentWarning]:
    hints = []
    if len(title) > limits.title_chars:
        hints.append(ContentWarning("form", f"标题{len(title)}字，建议不超过{limits.title_chars}字"))
    if category == "brief" and len(body) > limits.brief_chars:
        hints.append(ContentWarning("form", f"简讯正文{len(body)}字，简讯一般不超过{limits.brief_chars}字"))
    if uncaptioned_photos:
        hints.append(ContentWarning("form", f"有{uncaptioned_photos}张照片没有说明（图片说明）"))
    if category in limits.event_categories and not has_event_end:
        hints.append(ContentWarning("form", "没有填写事件结束时间：一般事件应在结束后2小时内报送，重大事件4小时内"))
    return hints
