"""Do two items report the same event? Compared: what identifies an event (its dates and times, numbers with
their units, people, places, organisations and the event's own words), not how it is worded.

Pure Python, no Flask and no dictionary: the evaluation set and the benchmark use it directly. An item's
features are its facts (dates, times, numbers with units) and the two-character pairs of its Han runs
(names, places and keywords are runs of rare pairs). Each shared feature weighs by how rarely the office
writes it (office-wide document frequency) and how rarely the two units write it elsewhere (per-unit
document frequency): a unit's template, a street's template and every report's boilerplate weigh little.
The weights of a pair of items combine into one score (a logistic model whose coefficients were fitted
on the tuning part of tests/data/duplicate_eval, see bench/duplicates.py); THRESHOLD is the product's."""
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol

from ..search.text import HAN

THRESHOLD = 0.47  # probability at or above which two items count as one event (chosen on the tuning part)

_DATE = re.compile(r"(\d{1,2})月(\d{1,2})日(?:(?:至|到|—|-|～|~)(?:(\d{1,2})月)?(\d{1,2})日)?")
_TIME = re.compile(r"(\d{1,2})(?:时|点)(?:(\d{1,2})分)?")
_DURATION = re.compile(r"(\d+)分(\d+)秒")
UNITS = ("平方米 万元 人次 台次 批次 公里 公斤 毫米 分钟 小时 元 人 名 户 个 处 台 艘 份 家 项 米 吨 剂 栋 辆 张 次 条 块 件 所 "
         "套 株 岁 组 盏 部 座 辆 班级 天 周 %").split()
SAME_UNIT = {"名": "人"}  # 32名 and 32人 count the same people
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(?:余|多)?(" + "|".join(sorted(set(UNITS), key=len, reverse=True)) + ")")
_BARE_NUMBER = re.compile(r"\d{3,}")
_HAN_RUN = re.compile(f"[{HAN}]+")
# People: a name (surname and one or two characters) right after an official's or a worker's title. Kept as the
# surname and first given character (周建军 → 周建): the third character is too often the next word (孙浩站在).
TITLES = ("书记 副书记 主任 副主任 局长 副局长 队长 副队长 所长 站长 科长 部长 校长 院长 经理 社长 组长 "
          "医生 民警 网格员 楼栋长 河长 技术员 律师 老师 调解员 志愿者 老兵 居民 老人 低保户 大爷 阿姨").split()
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
            "莫孔汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯"
            "纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳柴蒙鲍华喻祁蒲房滕屈饶牟艾尤阳穆农司卓古吉"
            "缪简项芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬师仇栾隋刁沙荣巫寇"
            "桑郎甄丛仲虞敖巩佘池查麻苑迟邝")
_PERSON = re.compile("(?:" + "|".join(sorted(TITLES, key=len, reverse=True)) + f")([{SURNAMES}][{HAN}])")
# Places: two characters and a place word (滨河+河堤, 花园+小区, 新华+路); kept as written.
PLACE_WORDS = ("社区 小区 街道 广场 公园 河堤 农贸市场 市场 小学 中学 幼儿园 学校 党群服务中心 服务中心 车库 通道 大桥 "
               "桥 闸 路 巷 里 号楼 工地 医院 工业园 科技园 商业街 体育馆 河 超市 菜市场 加油站 涵洞").split()
_NOT_IN_NAMES = set("在的了和与等为到对向将把从带陪同一表示说指出要求介绍进行及站来去是也都就还已分别一行现场")
_PLACE = re.compile("|".join(sorted(PLACE_WORDS, key=len, reverse=True)))
_TWO_HAN = re.compile(f"[{HAN}]{{2}}")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width digits become ASCII), no spaces."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def _dates(text: str) -> set[str]:
    found = set()
    for match in _DATE.finditer(text):
        month, day, month_to, day_to = match.groups()
        found.add(f"{int(month)}-{int(day)}")
        if day_to:
            found.add(f"{int(month_to or month)}-{int(day_to)}")
    return found


def extract(text: str) -> dict[str, str]:
    """Feature key → the words it was read from (kept for explaining a match). Keys: d: a date, t: a time
    of day, n: a number with its unit (or a long bare number), p: a person, l: a place, w: a Han pair."""
    text = normalize(text)
    features: dict[str, str] = {}
    for key in _dates(text):
        month, day = key.split("-")
        features["d:" + key] = f"{month}月{day}日"
    for match in _TIME.finditer(text):
        features[f"t:{int(match[1])}:{int(match[2] or 0)}"] = match[0]
    for match in _DURATION.finditer(text):
        features[f"n:{match[1]}分{match[2]}秒"] = match[0]
    dated = {span for found in _DATE.finditer(text) for span in range(*found.span())}
    for match in _NUMBER.finditer(text):
        if match.start() not in dated:
            features[f"n:{float(match[1]):g}{SAME_UNIT.get(match[2], match[2])}"] = match[0]
    for match in _BARE_NUMBER.finditer(text):
        if match.start() not in dated and not _NUMBER.match(text, match.start()):
            features["n:" + match[0]] = match[0]
    for match in _PERSON.finditer(text):
        if match[1][1] not in _NOT_IN_NAMES:
            features["p:" + match[1]] = match[1]
    for match in _PLACE.finditer(text):
        name = text[max(match.start() - 2, 0):match.start()]
        if _TWO_HAN.fullmatch(name):
            features["l:" + name + match[0]] = name + match[0]
    for run in _HAN_RUN.findall(text):
        features.update({"w:" + run[i:i + 2]: run[i:i + 2] for i in range(len(run) - 1)})
    return features


def full_name(core: str, a: str, b: str) -> str:
    """A person's name as both texts write it: the surname and first given character a person key holds, and
    the next character when both texts follow it with the same one (周建 → 周建军)."""
    for found in re.finditer(re.escape(core) + f"([{HAN}])", a):
        if found[1] not in _NOT_IN_NAMES and found[0] in b:
            return found[0]
    return core


class Frequencies(Protocol):
    """How often features occur in the items compared against: office-wide and per unit, each count
    excluding the two items being compared (so the pair's own shared words are not boilerplate)."""

    def office(self, key: str) -> tuple[int, int]: ...  # (items holding the key, items)

    def unit(self, unit, key: str) -> tuple[int, int]: ...  # (the unit's items holding it, the unit's items)


@dataclass
class Document:
    unit: object
    day: int  # days since any fixed origin: only differences are used
    features: dict[str, str]
    text: str = ""  # normalized: a person or place read in one item counts as shared when the other names it anywhere
    event_dates: frozenset = frozenset()  # the first date the body names (a range: each of its ends)

    @classmethod
    def of(cls, unit, day: int, text: str) -> "Document":
        text = normalize(text)
        body = text.split("\n", 1)[-1]
        # a date in the title only is a reporting period (本周4月13日—4月17日), not an event's day
        first = _DATE.search(body)
        return cls(unit, day, extract(text), text, frozenset(_dates(first[0])) if first else frozenset())


@dataclass
class Match:
    probability: float
    shared: dict[str, str] = field(default_factory=dict)  # key → words, the shared features that weigh

    @property
    def duplicate(self) -> bool:
        return self.probability >= THRESHOLD


KINDS = ("d", "t", "n", "w")


MIN_HISTORY = 200  # an office with fewer items is taken to have this many, none holding what it has not seen


def _weight(key: str, a: Document, b: Document, frequencies: Frequencies, in_a: bool, in_b: bool) -> float:
    """Inverse office-wide frequency, times what the two units leave of it: a key every item of a unit holds
    is that unit's template. The pair's own items are not counted as history."""
    held, total = frequencies.office(key)
    rarity = math.log((max(total - 2, MIN_HISTORY) + 1) / (max(held - in_a - in_b, 0) + 1))
    if rarity < 0.05:  # boilerplate office-wide: what the units do with it no longer matters
        return 0.0
    if a.unit == b.unit:
        held, total = frequencies.unit(a.unit, key)
        share = max(held - in_a - in_b, 0) / (max(total - 2, 0) + 2)
    else:
        held, total = frequencies.unit(a.unit, key)
        share = max(held - in_a, 0) / (max(total - 1, 0) + 2)
        held, total = frequencies.unit(b.unit, key)
        share = max(share, max(held - in_b, 0) / (max(total - 1, 0) + 2))
    return rarity * (1 - share)


# Fitted on the tuning part (python bench/duplicates.py --fit): intercept, then one per signal of _signals.
COEFFICIENTS = (-2.74, 0.36, -0.61, 1.25, 0.87, 0.57, 1.56, 0.95, -0.28, 0.27, 2.14, -1.42)
SIGNALS = ("words_contained", "words_weight", "numbers_weight", "people", "places", "same_event_date", "days_apart",
           "same_unit", "rare_words", "dated_evidence", "unmatched_names")
RARE_HELD = 3  # a word at most this many other items hold is the event's own (a name, a place, what happened)


def _is_rare(key: str, a: Document, b: Document, frequencies: Frequencies) -> bool:
    held, _total = frequencies.office(key)
    return held - (key in a.features) - (key in b.features) <= RARE_HELD


def _unmatched_names(a: Document, b: Document) -> float:
    """Of the people and places one item names, the share the other does not name: two reports of one event
    name the same ones (a 简讯 names fewer, all of them in the long report); two events name their own."""
    shares = []
    for one, other in ((a, b), (b, a)):
        names = [key[2:] for key in one.features if key[0] in "pl"]
        if names:
            shares.append(sum(1 for name in names if name not in other.text) / len(names))
    return min(shares, default=0.0)


def _shared_keys(a: Document, b: Document) -> set[str]:
    shared = set(a.features) & set(b.features)
    for one, other in ((a, b), (b, a)):
        shared |= {key for key in one.features if key[0] in "pl" and key[2:] in other.text}
    return shared


def _signals(a: Document, b: Document, frequencies: Frequencies) -> tuple[list[float], dict[str, str]]:
    shared = _shared_keys(a, b)
    weights = {}
    for key in set(a.features) | set(b.features) | shared:
        weights[key] = _weight(key, a, b, frequencies, key in a.features, key in b.features)

    def total(held, kinds):
        return sum(weights[key] for key in held if key[0] in kinds)

    words = [total(a.features, "w"), total(b.features, "w"), total(shared, "w")]
    rare = sum(1 for key in shared if key[0] == "w" and _is_rare(key, a, b, frequencies))
    same_date = float(bool(a.event_dates & b.event_dates))
    evidence = min((total(shared, "nt") / 20 + total(shared, "pl") / 6 + rare / 10) / 2, 1.0)
    signals = [
        words[2] / (min(words[:2]) or 1.0),  # how much of the shorter one's weighty words the other holds
        min(words[2] / 200, 1.0),
        min(total(shared, "nt") / 20, 1.0),  # numbers with units and times of day
        min(total(shared, "p") / 6, 1.0),
        min(total(shared, "l") / 6, 1.0),
        same_date,
        math.exp(-abs(a.day - b.day) / 7),
        float(a.unit == b.unit),
        min(rare / 10, 1.0),
        same_date * evidence,
        _unmatched_names(a, b),
    ]
    strong = {key: (a.features.get(key) or b.features[key]) for key in shared if weights[key] >= 1.0}
    return signals, strong


def compare(a: Document, b: Document, frequencies: Frequencies) -> Match:
    signals, shared = _signals(a, b, frequencies)
    z = COEFFICIENTS[0] + sum(c * s for c, s in zip(COEFFICIENTS[1:], signals, strict=True))
    return Match(1 / (1 + math.exp(-z)), shared)
