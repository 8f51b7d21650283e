"""A unit's year as a small chart drawn on the server (an SVG in the page, no chart library): each
month's points as a bar above (or below) a zero line, and its rank at the month's end as a line in a
band under the bars, rank 1 at the top. Pure geometry: figures in, coordinates out."""
from dataclasses import dataclass
from decimal import Decimal

WIDTH = 360
BAR_TOP, BAR_BOTTOM = 16, 96  # the bars' band; value labels sit above a bar, below a negative one
RANK_TOP, RANK_BOTTOM = 124, 172  # the rank line's band
LABEL_Y = 192  # the months' names
HEIGHT = 200


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    x: float
    y: float
    width: float
    height: float
    text_y: float
    centre: float


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    rank: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    dots: list[Dot]
    zero_y: float
    ranked: int

    @property
    def line(self) -> str:
        return " ".join(f"{dot.x:g},{dot.y:g}" for dot in self.dots)


def _signed(points: Decimal) -> str:
    # as the ledger writes points: +5, −10 (a true minus sign), 0
    text = format(abs(points).normalize(), "f")
    return f"+{text}" if points > 0 else f"\u2212{text}" if points < 0 else "0"


def draw_months(figures) -> Chart | None:
    """figures: MonthFigure-like (first, points, rank, ranked), oldest first. None when there is none."""
    if not figures:
        return None
    slot = WIDTH / len(figures)
    top = max([figure.points for figure in figures] + [Decimal(0)])
    bottom = min([figure.points for figure in figures] + [Decimal(0)])
    span = (top - bottom) or Decimal(1)
    scale = (BAR_BOTTOM - BAR_TOP) / float(span)
    zero_y = BAR_TOP + float(top) * scale
    ranked = max(figure.ranked for figure in figures)
    bars, dots = [], []
    for index, figure in enumerate(figures):
        centre = round(slot * index + slot / 2, 1)
        height = round(abs(float(figure.points)) * scale, 1)
        y = round(zero_y - height if figure.points > 0 else zero_y, 1)
        text_y = round(y - 3 if figure.points >= 0 else y + height + 10, 1)
        bars.append(Bar(f"{figure.first.month}月", _signed(figure.points), round(centre - slot * 0.3, 1), y,
                        round(slot * 0.6, 1), max(height, 0.5), text_y, centre))
        if figure.rank is not None:
            share = (figure.rank - 1) / (ranked - 1) if ranked > 1 else 0
            dots.append(Dot(centre, round(RANK_TOP + share * (RANK_BOTTOM - RANK_TOP), 1), figure.rank))
    return Chart(bars, dots, round(zero_y, 1), ranked)
