"""What the engine's modules share: its error, its id and moment types, and the readers of the JSON
values rule sets and facts are made of (each names the offending field in its Chinese message).

The underscored names are the engine package's own: its modules import them from here, nothing outside
the package does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

ZERO = Decimal(0)

Id = str | int
Moment = date | datetime
T = TypeVar("T")


class ScoringError(ValueError):
    """Bad rule set or bad facts; the message is Chinese and names the field."""


def _fail(path: str, problem: str) -> NoReturn:
    raise ScoringError(f"{path} {problem}")


def _localize(value: Moment, tz: ZoneInfo) -> datetime:
    """Times without an offset and bare dates are in the rule set's time zone, a bare date meaning 00:00
    of that day."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=tz)
        return value if value.tzinfo is tz else value.astimezone(tz)
    return datetime.combine(value, time.min, tz)


def _id_key(value: Id) -> tuple[int, int, str]:
    # Integer ids (from a database) sort numerically, text ids as text.
    if isinstance(value, int):
        return (0, value, "")
    return (1, 0, str(value))


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(path, f"应为 JSON 对象，实际为 {value!r}")
    return value


def _required(entry: Mapping[str, Any], key: str, path: str) -> Any:
    if entry.get(key) is None:
        _fail(path, f"缺少必填字段 {key}")
    return entry[key]


def _reject_unknown(entry: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        _fail(path, f"含有未知字段：{'、'.join(map(str, unknown))}（可用字段：{'、'.join(sorted(allowed))}）")


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, f"应为文字，实际为 {value!r}")
    return value


def _identifier(value: Any, path: str) -> Id:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        _fail(path, f"应为文字或整数编号，实际为 {value!r}")
    return value


def _flag(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        _fail(path, f"应为 true 或 false，实际为 {value!r}")
    return value


def _choice(value: Any, choices: Sequence[str], path: str) -> str:
    if not isinstance(value, str) or value not in choices:
        _fail(path, f"应为 {'、'.join(choices)} 之一，实际为 {value!r}")
    return value


def _number(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        _fail(path, f"应为数字，实际为 {value!r}")
    number = Decimal(str(value))
    if not number.is_finite():
        _fail(path, "应为有限的数字")
    return number


def _points(value: Any, path: str, sign: int) -> Decimal:
    """A number that must not have the wrong sign (bonuses ≥ 0, penalties ≤ 0)."""
    number = _number(value, path)
    if number * sign < 0:
        _fail(path, "不能为负数" if sign > 0 else "应为 0 或负数（扣分）")
    return number


def _count(value: Any, path: str) -> int:
    number = _number(value, path)
    if number < 0 or number != number.to_integral_value():
        _fail(path, f"应为非负整数，实际为 {value!r}")
    return int(number)


def _moment(value: Any, path: str) -> Moment:
    if isinstance(value, date):
        return value
    text = _string(value, path)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        _fail(path, f"不是有效的日期或时间（应如 2012-01-04 或 2012-01-04T09:30:00+08:00）：{text!r}")
    return parsed.date() if len(text) == 10 else parsed


def _optional_moment(value: Any, path: str) -> Moment | None:
    return None if value is None else _moment(value, path)


def _day(value: Any, path: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = _string(value, path)
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(path, f"不是有效的日期（应如 2012-01-01）：{text!r}")
