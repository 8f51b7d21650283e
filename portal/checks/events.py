"""Do two items report the same event? Compared: what identifies an event (its dates and times, numbers with
their units, people, places, organisations and the event's own words), not how it is worded.

Pure Python, no Flask and no dictionary: the evaluation set and the benchmark use it directly. An item's
features are its facts (dates, times, numbers with units) and the two-character pairs of its Han runs
(names, places and keywords are runs of rare pairs). Each shared feature weighs by how rarely the office
writes it (office-wide document frequency) and how rarely the two units write it elsewhere (per-unit
document frequency): a unit's template, a street's template and every report's boilerplate weigh little.
What tells two events apart counts as well: both name an event date and the dates differ, both count in
the same unit and no count of one can be the other's (90余人 can be 93人), both name people or weighty
places and neither names the other's, both titles name a place and neither text names the other title's,
both give numbers and share none, and little of what happened is shared (one unit's fire-safety check and a
fire on the same day at the same estate share the estate, the day and the officials, not the event; neither title's
account of what was done is in the other text). Same topic, same day, same officials' titles: different events.
What says nothing counts as nothing: an item that names no one leaves no name unmatched, and where neither item has
a weighty word (a short re-filing in a unit's routine wording) the words do not keep the two apart. Two units' items
of which one names the other's unit (东湖社区, 高新区实验中学) are likely one event told by its host and a visitor; a street
office's item and a community's of one day, where the community's text takes what happened at the street's event, are
likely the street's event and the community's own part of it (not where the street's item only instructs its
communities or calls them to its meeting: 要求各社区…, 各社区负责人参加). What both items merely name (a crossroads, a market, an
official, a campaign's name led by its year: 2027年度城乡居民医保) is no part of what happened, and the people and places
both name weigh as far as what happened is shared too.
The weights of a pair of items combine into one score (a logistic model whose coefficients were fitted
on the tuning part of tests/data/duplicate_eval, see bench/duplicates.py); THRESHOLD is the product's."""
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from ..search.text import HAN

THRESHOLD = 0.44  # probability at or above which two items count as one event (chosen on the tuning part)

_DATE = re.compile(r"(\d{1,2})月(\d{1,2})日(?:(?:至|到|—|-|～|~)(?:(\d{1,2})月)?(\d{1,2})日)?")
# A day without its month (13日晚上, 当月21日): the month is the filing day's, or the one before when the day
# has not come yet. Not a count of days (30日内办结, 5日起施行).
_BARE_DAY = re.compile(r"(?<![\d月.])(\d{1,2})日(?![内起前后以之])")
# Days named from the filing day: a reporter writes 昨天下午 or 昨晚 of yesterday's event.
DAYS_BEFORE = {"今天": 0, "今日": 0, "今晨": 0, "今早": 0, "今晚": 0, "昨天": 1, "昨日": 1, "昨晚": 1, "昨夜": 1,
               "前天": 2, "前晚": 2}
_RELATIVE_DAY = re.compile("|".join(DAYS_BEFORE))
_TIME = re.compile(r"(\d{1,2})(?:时|点)(?:(\d{1,2})分)?")
_DURATION = re.compile(r"(\d+)分(\d+)秒")
UNITS = ("平方米 万元 人次 台次 批次 公里 公斤 毫米 分钟 小时 元 人 名 户 个 处 台 艘 份 家 项 米 吨 剂 栋 辆 张 次 条 块 件 所 "
         "套 株 岁 组 盏 部 座 辆 班级 天 周 位 %").split()
SAME_UNIT = {"名": "人", "位": "人"}  # 32名, 32位 and 32人 count the same people
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(余|多|来)?(" + "|".join(sorted(set(UNITS), key=len, reverse=True)) + ")")
_BARE_NUMBER = re.compile(r"\d{3,}")
_HAN_RUN = re.compile(f"[{HAN}]+")
# People: a name (surname and one or two characters) right after an official's or a worker's title. Kept as the
# surname and first given character (周建军 → 周建): the third character is too often the next word (孙浩站在).
TITLES = ("书记 副书记 主任 副主任 局长 副局长 队长 副队长 所长 站长 科长 部长 校长 院长 经理 社长 组长 "
          "医生 民警 网格员 楼栋长 河长 技术员 律师 老师 调解员 志愿者 老兵 居民 老人 低保户 大爷 阿姨 理事长 主席 "
          "会长 秘书长 馆长 专干 干事 指导员 教导员 警官 辅警 保安 班长 园长 主任医师 护士 厂长 董事长 负责人").split()
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
# A place's own name holds none of these: what comes before a place word is as often a verb or a particle
# (叮嘱社区, 在滨河, 求各社区, 检查小区) as a name, and a verb shared by two texts is no shared place.
_NOT_IN_PLACES = _NOT_IN_NAMES | set("至于往经沿被给让由照织领着嘱咐求实知报交督促查看赶走推置里各全所个两本该其每"
                                     "要后时前内外间又还都也就同移入参与清理整治发现更换关闭封闭疏散模拟利用通过"
                                     "围绕引发受望护巡破损映助搬传起居立以属辖今员沉")
# A place word that begins a longer word is no place: 社区河长, 街道河长办, 湖西市场监管所, 疏散路线.
_PLACE = re.compile("(?:" + "|".join(sorted(PLACE_WORDS, key=len, reverse=True)) + ")(?!长|监管|线|面)")
_TWO_HAN = re.compile(f"[{HAN}]{{2}}")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width digits become ASCII), no spaces."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def _bare_month(day: int, filed: date) -> int:
    return filed.month if day <= filed.day else (filed.month - 2) % 12 + 1


def _dated(text: str, filed: date | None) -> list[tuple[int, int, set[str]]]:
    """Every date the text names, in order: (start, end, month-day keys; a range gives both ends)."""
    found = []
    for match in _DATE.finditer(text):
        month, day, month_to, day_to = match.groups()
        keys = {f"{int(month)}-{int(day)}"}
        if day_to:
            keys.add(f"{int(month_to or month)}-{int(day_to)}")
        found.append((match.start(), match.end(), keys))
    if filed is not None:
        taken = {index for start, end, _keys in found for index in range(start, end)}
        for match in _BARE_DAY.finditer(text):
            day = int(match[1])
            if match.start() not in taken and 1 <= day <= 31:
                found.append((match.start(), match.end(), {f"{_bare_month(day, filed)}-{day}"}))
        for match in _RELATIVE_DAY.finditer(text):
            day = date.fromordinal(filed.toordinal() - DAYS_BEFORE[match[0]])
            found.append((match.start(), match.end(), {f"{day.month}-{day.day}"}))
    return sorted(found, key=lambda entry: entry[0])


def extract(text: str, filed: date | None = None) -> dict[str, str]:
    """Feature key → the words it was read from (kept for explaining a match). Keys: d: a date, t: a time
    of day, n: a number with its unit (or a long bare number), p: a person, l: a place, w: a Han pair.
    A day named without its month, or from the filing day (昨天), is read only when the filing day is known."""
    return _read(normalize(text), filed)[0]


NOT_COUNTS = ("岁", "%")  # 65岁以上, 95%: who an event was for or a target, not what happened


def _read(text: str, filed: date | None):
    """One pass over a normalized text: its features, its counts by unit as ranges (46人 is 46, 90余人 and 20来辆
    leave the last digit open, 约40 is ±10%) and the dates it names in order."""
    features: dict[str, str] = {}
    dates = _dated(text, filed)
    for _start, _end, keys in dates:
        for key in keys:
            month, day = key.split("-")
            features["d:" + key] = f"{month}月{day}日"
    for match in _TIME.finditer(text):
        features[f"t:{int(match[1])}:{int(match[2] or 0)}"] = match[0]
    for match in _DURATION.finditer(text):
        features[f"n:{match[1]}分{match[2]}秒"] = match[0]
    dated = {index for start, end, _keys in dates for index in range(start, end)}
    counts: dict[str, list[tuple[float, float]]] = {}
    for match in _NUMBER.finditer(text):
        if match.start() in dated:
            continue
        unit = SAME_UNIT.get(match[3], match[3])
        features[f"n:{float(match[1]):g}{unit}"] = match[0]
        if match[3] in NOT_COUNTS:
            continue
        value = float(match[1])
        if match[2]:
            digits = match[1].split(".")[0]
            low, high = value, value + 10 ** (len(digits) - len(digits.rstrip("0")))
        elif text[max(match.start() - 1, 0):match.start()] in ("约", "近"):
            low, high = value * 0.9, value * 1.1
        else:
            low = high = value
        counts.setdefault(unit, []).append((low, high))
    for match in _BARE_NUMBER.finditer(text):
        if match.start() not in dated and not _NUMBER.match(text, match.start()):
            features["n:" + match[0]] = match[0]
    for match in _PERSON.finditer(text):
        if match[1][1] not in _NOT_IN_NAMES:
            features["p:" + match[1]] = match[1]
    for match in _PLACE.finditer(text):
        name = text[max(match.start() - 2, 0):match.start()]
        if _TWO_HAN.fullmatch(name) and not set(name) & _NOT_IN_PLACES and name not in PLACE_WORDS:
            features["l:" + name + match[0]] = name + match[0]
    for run in _HAN_RUN.findall(text):
        features.update({"w:" + run[i:i + 2]: run[i:i + 2] for i in range(len(run) - 1)})
    return features, counts, dates


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
    numbers: dict = field(default_factory=dict)  # unit → [(low, high)]: what each count can mean (90余人: 90–99)
    title: str = ""  # normalized
    name: str = ""  # the unit's name, normalized: the other unit's report of its event names it (东湖社区)

    @classmethod
    def of(cls, unit, day: int, text: str, name: str = "") -> "Document":
        filed = date.fromordinal(day) if day > 0 else None
        title_end = len(normalize(text.split("\n", 1)[0])) if "\n" in text else 0
        text = normalize(text)
        features, counts, dates = _read(text, filed)
        # a date in the title only is a reporting period (本周4月13日—4月17日), not an event's day
        first = next((keys for start, _end, keys in dates if start >= title_end), set())
        return cls(unit, day, features, text, frozenset(first), counts, text[:title_end], normalize(name))


def _counts_conflict(a: Document, b: Document) -> float:
    """Of the units both items count in, the share where no count of one can be a count of the other: two
    reports of one event give at least one of the same figures (93人, 90余人); two events give their own."""
    units = set(a.numbers) & set(b.numbers)
    if not units:
        return 0.0
    apart = sum(1 for unit in units
                if not any(low <= other_high and other_low <= high
                           for low, high in a.numbers[unit] for other_low, other_high in b.numbers[unit]))
    return apart / len(units)


@dataclass
class Match:
    probability: float
    shared: dict[str, str] = field(default_factory=dict)  # key → words, the shared features that weigh

    @property
    def duplicate(self) -> bool:
        return self.probability >= THRESHOLD


MIN_HISTORY = 200  # an office with fewer items is taken to have this many, none holding what it has not seen


def _weights(keys, a: Document, b: Document, frequencies: Frequencies) -> dict[str, float]:
    """Each key's weight: inverse office-wide frequency, times what the two units leave of it (a key every item
    of a unit holds is that unit's template). The pair's own items are not counted as history. One loop with
    its lookups bound locally: a check weighs some 300 keys for each of its candidates."""
    office, unit, log = frequencies.office, frequencies.unit, math.log
    in_a_keys, in_b_keys, same_unit = a.features, b.features, a.unit == b.unit
    weights = {}
    for key in keys:
        in_a, in_b = key in in_a_keys, key in in_b_keys
        held, total = office(key)
        others = held - in_a - in_b
        history = total - 2 if total - 2 > MIN_HISTORY else MIN_HISTORY
        rarity = log((history + 1) / ((others if others > 0 else 0) + 1))
        if rarity < 0.05:  # boilerplate office-wide: what the units do with it no longer matters
            weights[key] = 0.0
            continue
        if same_unit:
            held, total = unit(a.unit, key)
            others = held - in_a - in_b
            share = (others if others > 0 else 0) / ((total - 2 if total > 2 else 0) + 2)
        else:
            held, total = unit(a.unit, key)
            others = held - in_a
            share = (others if others > 0 else 0) / ((total - 1 if total > 1 else 0) + 2)
            held, total = unit(b.unit, key)
            others = held - in_b
            other_share = (others if others > 0 else 0) / ((total - 1 if total > 1 else 0) + 2)
            share = other_share if other_share > share else share
        weights[key] = rarity * (1 - share)
    return weights


# Fitted on the tuning part (python bench/duplicates.py --fit): intercept, then one per signal of _signals.
COEFFICIENTS = (-1.34, 0.35, 0.33, 0.49, 0.48, 0.19, 0.59, 0.4, -0.53, 0.64, 1.09, -0.76, -0.91, -1.12, -0.27, -0.18,
                -0.51, 0.55, -0.98, -0.12, -0.61, 1.94)
SIGNALS = ("words_contained", "words_weight", "numbers_weight", "people", "places", "same_event_date", "days_apart",
           "same_unit", "rare_words", "dated_evidence", "unmatched_names", "other_event_date", "other_counts",
           "other_people", "other_places", "other_title_places", "some_words", "numbers_apart", "title_not_held",
           "own_little_shared", "names_other_unit")
NO_WORDS = 1.0  # the weight of one rare word pair is about 5: an item with less says close to nothing in its words
RARE_HELD = 3  # a word at most this many other items hold is the event's own (a name, a place, what happened)


def _is_rare(key: str, a: Document, b: Document, frequencies: Frequencies) -> bool:
    held, _total = frequencies.office(key)
    return held - (key in a.features) - (key in b.features) <= RARE_HELD


def _unmatched_names(a: Document, b: Document) -> float:
    """Of the people and places one item names, the share the other does not name: two reports of one event
    name the same ones (a 简讯 names fewer, all of them in the long report); two events name their own. An item
    that names no one (a school's own account: 我校, 开学第三天) leaves nothing unmatched."""
    shares = []
    for one, other in ((a, b), (b, a)):
        names = [key[2:] for key in one.features if key[0] in "pl"]
        shares.append(sum(1 for name in names if name not in other.text) / len(names) if names else 0.0)
    return min(shares)


def _names_apart(a: Document, b: Document, kind: str, weights: dict[str, float]) -> float:
    """1 when both items name people (or weighty places) and neither names any of the other's: two events, each
    with its own officials and its own streets, however alike the rest."""
    names = [[key[2:] for key in doc.features if key[0] == kind and weights[key] >= 1.0] for doc in (a, b)]
    if not all(names):
        return 0.0
    return float(not any(name in b.text for name in names[0]) and not any(name in a.text for name in names[1]))


def _titles_apart(a: Document, b: Document) -> float:
    """1 when both titles name a place and neither text names the other title's: a title says who did it
    where (翠屏社区为老人免费体检, 湖滨社区组织老人参加体检); a report of another unit's event names that unit."""
    places = [[key[2:] for key in doc.features if key[0] == "l" and key[2:] in doc.title] for doc in (a, b)]
    if not all(places):
        return 0.0
    return float(not any(place in b.text for place in places[0]) and not any(place in a.text for place in places[1]))


_VALUE = re.compile(r"n:(\d+(?:\.\d+)?)")


def _numbers_apart(a: Document, b: Document) -> float:
    """1 when both items give numbers and share none: two reports of one event repeat at least one figure. A figure
    of 10 or more counts as shared whatever its unit (12批次 and 12份样品, 86人 and 86人次: one count, two
    units' words for it)."""
    numbers = [{key for key in doc.features if key[0] == "n"} for doc in (a, b)]
    if not all(numbers) or numbers[0] & numbers[1]:
        return 0.0
    values = [{found[1] for found in map(_VALUE.match, keys) if found and float(found[1]) >= 10} for keys in numbers]
    return float(not values[0] & values[1])


def _title_held(a: Document, b: Document, weights: dict[str, float], named: set[str]) -> float:
    """Of what a title says happened (its weighty word pairs, not those of what both merely name: the units, people,
    places and campaigns), the share by weight that the other item's text holds; the better of the two titles. One
    event's reports name what
    happened in the title (清淤, 反诈, 地震) and the other tells of it; two events at one place on one day share the
    place, not what the titles say was done there (水质监测采样 and 清淤疏浚 of one river). A title with no weighty
    words says nothing against the other item."""
    best = 0.0
    for one, other in ((a, b), (b, a)):
        keys = {"w:" + run[i:i + 2] for run in _HAN_RUN.findall(one.title) for i in range(len(run) - 1)
                if run[i:i + 2] not in named}
        said = sum(weights.get(key, 0.0) for key in keys)
        held = sum(weights.get(key, 0.0) for key in keys if key in other.features)
        best = max(best, (held + NO_WORDS) / (said + NO_WORDS))
    return best


def _street_and_community(a: Document, b: Document) -> tuple[Document, Document] | None:
    """(the street office's item, the community's) when one item is a unit whose name holds 街道 (a street office or one
    of its offices) and the other a community's; else None."""
    for one, other in ((a, b), (b, a)):
        if "街道" in one.name and other.name.endswith("社区"):
            return one, other
    return None


# A street office's event held in its communities, counted (在辖区4个社区同步开展, 两个社区的网格员) or not (各社区组织网格员
# 逐户排查, 在各社区同步开展): each of them took part, and a community's own account of its part takes less of the street's
# words (its own lane, people and counts).
_STREET_WIDE = re.compile(r"(?:\d+|[两三四五六七八九十]+)个社区|各社区")
STREET_WIDE_FLOOR = 0.25
# The communities a street item only instructs or calls to its meeting (要求各社区, 督促辖区各社区, 通知各社区, 召集各社区民政专干;
# 各社区要…; 4个社区的主任参加): nothing was held in them, and their own events of the day share the meeting's topic.
_CLAUSE = re.compile(r"[^，,。；;！!？?：:\n]+")
_INSTRUCTS = re.compile("要求|督促|通知|提醒|责成|召集|部署|布置|叮嘱|请")
_INSTRUCTED = re.compile(r"^(?:要(?!求)|须|必须|务必|应|需)|参加|参会|出席|列席")


def _communities_in(text: str) -> bool | None:
    """How a street item names its communities: True where one mention of them (各社区, a count) tells of an event held
    in them (a clause that neither instructs them before the mention nor, after it, tells them what they must do or
    that they sat in a meeting), False where every mention only instructs them or calls them to its meeting, None
    where it names them so nowhere."""
    instructed = None
    for clause in _CLAUSE.findall(text):
        for found in _STREET_WIDE.finditer(clause):
            if not _INSTRUCTS.search(clause, 0, found.start()) and not _INSTRUCTED.search(clause[found.end():]):
                return True
            instructed = False
    return instructed


def _street_tie(a: Document, b: Document, same_date: float, happened: float) -> bool:
    """A street office's item and a community's, of one event day, where the community's text takes what happened at the
    street's event (at least the share of its weighty words that ties two units' own wording of one event: the
    saturating share at half, a quarter where the street's event was held in its communities) and the street's item
    names no other community while leaving this one out. A community's own account of a street-wide event counts only
    its part and names its own people; its other event of the day (a class, a clean-up of the same river, a party that
    names 街道 for its own work) shares the day, a place or the topic, not what was done; the street's visit to two
    other communities is not this community's. A street item that only instructs its communities or calls them to its
    meeting (要求各社区…, 各社区负责人参加) ties none of them: what a community did that day on the meeting's topic is its own
    event, and its account of an incident the street reports too is tied by the names both give."""
    pair = _street_and_community(a, b)
    if pair is None or not same_date:
        return False
    street, community = pair
    held = _communities_in(street.text)
    if held is False or happened < (STREET_WIDE_FLOOR if held else 0.5):
        return False
    communities = [key for key in street.features if key.startswith("l:") and key.endswith("社区")]
    return not communities or community.name in street.text


def _names_other_unit(a: Document, b: Document) -> bool:
    """The items are two units' and one text names the other's unit: a unit's own account of an event names neither
    itself nor its place (我校, 我社区), the other unit's report of the event names both."""
    if a.unit == b.unit:
        return False
    return any(one.name and one.name in (other.text.replace(other.name, "") if other.name else other.text)
               for one, other in ((a, b), (b, a)))


NAME_REACH = 6  # how far a name both texts write is read on as it goes on alike in both (槐安路与杏林街交叉口)


def _names_as_written(doc: Document, a: Document, b: Document):
    """The people and places one item names, each as far as both texts write it alike around it (a crossroads, an
    estate's building, a person's full name: 槐安路 read on to 槐安路与杏林街交叉口, at most NAME_REACH Han characters
    each side): a place both merely mention is no part of what happened there."""
    for key in doc.features:
        if key[0] not in "pl":
            continue
        name = key[2:]
        yield name
        if name not in b.text:
            continue
        found = a.text.find(name)
        while found >= 0:
            start, end = found, found + len(name)
            for _step in range(NAME_REACH):
                if start > 0 and _HAN_RUN.match(a.text, start - 1) and a.text[start - 1:end] in b.text:
                    start -= 1
                else:
                    break
            for _step in range(NAME_REACH):
                if end < len(a.text) and _HAN_RUN.match(a.text, end) and a.text[start:end + 1] in b.text:
                    end += 1
                else:
                    break
            yield a.text[start:end]
            found = a.text.find(name, found + 1)


# A campaign's name begins with its year (2027年度城乡居民医保, 2026年秋季全民健身): the topic of every item of the campaign.
_CAMPAIGN = re.compile(r"20\d\d年度?")


def _campaigns(a: Document, b: Document):
    """The campaigns both items name, each as far as both texts write it alike after its year (2027年度城乡居民医保
    of 2027年度城乡居民医保集中缴费推进会 and 2027年度城乡居民医保政策宣讲): what both are about, not what either did."""
    for found in _CAMPAIGN.finditer(a.text):
        start = end = found.end()
        while end < len(a.text) and _HAN_RUN.match(a.text, end) and a.text[found.start():end + 1] in b.text:
            end += 1
        if end > start:
            yield a.text[start:end]


def _named_pairs(a: Document, b: Document) -> set[str]:
    """The word pairs of what both items merely name: the units' own names, the people and places each names read on
    as far as both write them alike, the campaigns both name. None of them is what happened."""
    return {name[i:i + 2] for doc in (a, b) for name in (doc.name, *_names_as_written(doc, a, b))
            for i in range(len(name) - 1)} | {name[i:i + 2] for name in _campaigns(a, b) for i in range(len(name) - 1)}


def _happened(a: Document, b: Document, weights: dict[str, float], named: set[str]) -> float:
    """The saturating share of the shorter item's weighty words the other holds, what both merely name left out (the
    units' names, places, people, campaigns): a host's report of its other event of the day shares the host's name
    with the visitor's report and little of what was done."""
    words = [{key: weights[key] for key in doc.features if key[0] == "w" and key[2:] not in named} for doc in (a, b)]
    held = sum(weight for key, weight in words[0].items() if key in words[1])
    return min((held + NO_WORDS) / (min(sum(words[0].values()), sum(words[1].values())) + NO_WORDS) / 0.2, 1.0)


def _shared_keys(a: Document, b: Document) -> set[str]:
    shared = set(a.features) & set(b.features)
    for one, other in ((a, b), (b, a)):
        shared |= {key for key in one.features if key[0] in "pl" and key[2:] in other.text}
    return shared


def _signals(a: Document, b: Document, frequencies: Frequencies) -> tuple[list[float], dict[str, str]]:
    shared = _shared_keys(a, b)
    weights = _weights(a.features.keys() | b.features.keys() | shared, a, b, frequencies)

    def total(held, kinds):
        return sum(weights[key] for key in held if key[0] in kinds)

    # the shared keys' weights by kind in one pass (each sum in the order a pass per kind would add it)
    facts = people = places = named = shared_words = 0.0
    rare = 0
    merely_named = _named_pairs(a, b)
    for key in shared:
        kind, weight = key[0], weights[key]
        if kind == "w":
            shared_words += weight
            # a rare pair of a crossroads or a campaign both merely name is no evidence of one event
            if key[2:] not in merely_named:
                rare += _is_rare(key, a, b, frequencies)
        elif kind in "nt":
            facts += weight
        elif kind in "pl":
            named += weight
            if kind == "p":
                people += weight
            else:
                places += weight
    words = [total(a.features, "w"), total(b.features, "w"), shared_words]
    same_date = float(bool(a.event_dates & b.event_dates))
    # how much of the shorter one's weighty words the other holds; where neither has any (a re-filing made only of
    # what the unit writes every time), nothing in the words tells the two apart, so the words say nothing against it
    contained = (words[2] + NO_WORDS) / (min(words[:2]) + NO_WORDS)
    # a community's own part of a street office's event has its own counts, people and places: none of them says
    # "another event" against the street's report, once the community's text is seen to take what happened there
    names_unit = _names_other_unit(a, b)
    street = same_date and a.unit != b.unit and _street_and_community(a, b) is not None
    # the people and places both name weigh as far as what happened is shared too: two events at one crossroads, one
    # market or with one official share the name and little of what was done there
    shared_happened = _happened(a, b, weights, merely_named)
    people, places, named = people * shared_happened, places * shared_happened, named * shared_happened
    evidence = min((facts / 20 + named / 6 + rare / 10) / 2, 1.0)
    happened = shared_happened if names_unit or street else 0.0
    tied = bool(street) and _street_tie(a, b, same_date, happened)
    whole = 0.0 if tied else 1.0
    signals = [
        contained,
        min(words[2] / 200, 1.0),
        min(facts / 20, 1.0),  # numbers with units and times of day
        min(people / 6, 1.0),
        min(places / 6, 1.0),
        same_date,
        math.exp(-abs(a.day - b.day) / 7),
        float(a.unit == b.unit),
        min(rare / 10, 1.0),
        same_date * evidence,
        _unmatched_names(a, b) * whole,
        float(bool(a.event_dates and b.event_dates and not a.event_dates & b.event_dates)),
        _counts_conflict(a, b) * whole,
        _names_apart(a, b, "p", weights) * whole,
        _names_apart(a, b, "l", weights) * whole,
        _titles_apart(a, b) * whole,
        # two units' own wording of one event shares a fifth of the shorter one's weighty words or more; two events
        # of one unit on one day at one place share their names and date and little of what happened
        min(contained / 0.2, 1.0),
        _numbers_apart(a, b) * whole,
        # one day, and neither title's account of what happened is in the other text: two events at one place
        same_date * (1 - _title_held(a, b, weights, merely_named)),
        # one unit's two reports of one event (a re-filing, its own 简讯) share half its weighty words or more; one
        # unit's two events of a day (a patrol and a clean-up of one river) share their names and little else
        float(a.unit == b.unit) * (1 - min(contained / 0.5, 1.0)),
        # the other's unit named (or a street office's event taken by its community), as far as what happened is
        # shared too: a host's other event of the day is not
        happened if names_unit or tied else 0.0,
    ]
    strong = {key: (a.features.get(key) or b.features[key]) for key in shared if weights[key] >= 1.0}
    return signals, strong


def compare(a: Document, b: Document, frequencies: Frequencies) -> Match:
    signals, shared = _signals(a, b, frequencies)
    z = COEFFICIENTS[0] + sum(c * s for c, s in zip(COEFFICIENTS[1:], signals, strict=True))
    return Match(1 / (1 + math.exp(-z)), shared)
