"""The portal's one set of date and number inputs: the form fields every form uses and the query-string
parsers every list filter uses. A value a database or a date computation cannot hold (year 1 or 9999,
an id of twenty digits) is refused here, at the field, with a Chinese message, never deeper as a 500."""
import re

from flask import request
from wtforms import fields

# The years a date typed anywhere in the portal may fall in. Far-off years would overflow when shifted to
# UTC or given a deadline (9999-12-31 + 2 hours), and no real report, deadline or period lies outside.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
# The largest value of an integer column (PostgreSQL's and SQLite's common ground): ids, counts, orders.
LARGEST_INTEGER = 2**31 - 1


def year_in_range(year: int) -> bool:
    return EARLIEST_YEAR <= year <= LATEST_YEAR


class _InYears:
    """A date or date-time input whose year lies in the portal's range; any other is a field error."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not year_in_range(self.data.year):
            self.data = None
            raise ValueError(f"{self.label.text}的年份不合理（应在{EARLIEST_YEAR}年至{LATEST_YEAR}年之间）")


class DateField(_InYears, fields.DateField):
    pass


class DateTimeLocalField(_InYears, fields.DateTimeLocalField):
    """An <input type=datetime-local> to the minute, as browsers send it."""

    def __init__(self, label=None, validators=None, format="%Y-%m-%dT%H:%M", **kwargs):
        super().__init__(label, validators, format=format, **kwargs)


class IntegerField(fields.IntegerField):
    """A whole number a database column holds; narrower ranges are the form's own validators."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not -LARGEST_INTEGER <= self.data <= LARGEST_INTEGER:
            self.data = None
            raise ValueError("数值过大")


def whole_number(value) -> int:
    """The coerce of every select of ids: a number an id column can hold, or the field's error."""
    number = int(value)
    if not 0 <= number <= LARGEST_INTEGER:
        raise ValueError("编号不存在")
    return number


def optional_id(value) -> int:
    """An optional id select: an empty value is 0 (none)."""
    return 0 if value in (None, "") else whole_number(value)


def parse_whole_number(text, minimum: int = 0) -> int | None:
    """A number typed as ASCII digits that a column holds, or None (a twenty-digit page, "²", "1_0")."""
    if not isinstance(text, str) or not re.fullmatch(r"-?[0-9]{1,10}", text.strip()):
        return None
    number = int(text)
    return number if minimum <= number <= LARGEST_INTEGER else None


def query_int(name: str, default: int | None = None, minimum: int = 0) -> int | None:
    """A whole number from the query string, or `default` when it is missing, not a number or out of
    the range a column holds (a page number of twenty digits, an id beyond any row)."""
    number = parse_whole_number(request.args.get(name), minimum)
    return default if number is None else number


def query_page() -> int:
    """The page of a paged list; the pager clamps it to the pages there are."""
    return query_int("page", 1, minimum=1)
