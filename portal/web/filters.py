"""Template filters: dates in the office's time zone, written the Chinese way."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from portal.extensions import utcnow


def office_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(value: datetime) -> datetime:
    return value.astimezone(office_tz())


def office_today(now: datetime | None = None) -> date:
    """Today in the office's time zone (by the portal's one clock unless `now` is given)."""
    return to_local(now or utcnow()).date()


def to_local_naive(value: datetime) -> datetime:
    """Office wall-clock time without an offset, as forms show and take it."""
    return to_local(value).replace(tzinfo=None)


def format_datetime(value: datetime | None, seconds: bool = False) -> str:
    if value is None:
        return ""
    local = to_local(value)
    # Seconds only where the order of close events matters (the audit log).
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{local.year}年{local.month}月{local.day}日 {clock}"


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return f"{value.year}年{value.month}月{value.day}日"


def quoted(text: str) -> str:
    """Text in Chinese double quotes, its own double quotes turned single (“岁末年初‘两节’期间”)."""
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"


def format_input_datetime(value: datetime | None) -> str:
    """The value of an <input type=datetime-local> in office time."""
    return to_local(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def register(app) -> None:
    app.add_template_filter(format_datetime, "dt")
    app.add_template_filter(format_date, "d")
    app.add_template_filter(format_input_datetime, "input_dt")
    from .forms import failed_fields  # forms imports this module

    app.add_template_global(failed_fields)


def local_to_utc(value: datetime) -> datetime:
    """A naive office-time value (from a form) as an aware UTC datetime."""
    return value.replace(tzinfo=office_tz()).astimezone(timezone.utc)


def local_day_start(day: date) -> datetime:
    return local_to_utc(datetime(day.year, day.month, day.day))
