"""The one countdown every deadline shows (solicitations, roster requests, feedback on instructions)."""
from dataclasses import dataclass
from datetime import datetime, timedelta

# The last 24 hours before a deadline are shown in red.
URGENT = timedelta(hours=24)


@dataclass(frozen=True)
class Countdown:
    text: str
    urgent: bool
    past: bool


def describe_countdown(deadline: datetime, now: datetime, passed: str = "已截止") -> Countdown:
    """"还剩 1 天 3 小时" … "还剩不到 1 分钟"; exactly at the deadline an answer is still on time, so
    the countdown runs out only one second after it (then `passed`, e.g. 已截止 or 已逾期)."""
    left = deadline - now
    if left < timedelta(0):
        return Countdown(passed, False, True)
    minutes = int(left.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = f"还剩 {days} 天 {hours} 小时"
    elif hours:
        text = f"还剩 {hours} 小时 {mins} 分钟"
    elif mins:
        text = f"还剩 {mins} 分钟"
    else:
        text = "还剩不到 1 分钟"
    return Countdown(text, left <= URGENT, False)
