"""Property tests of the scoring engine over small random worlds (hypothesis)."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.scoring.engine import (
    CATEGORIES,
    Adoption,
    Feedback,
    Instruction,
    Item,
    Period,
    RuleSet,
    ScoreResult,
    Solicitation,
    SolicitationAnswer,
    Unit,
    load_ruleset,
    score_units,
    to_json_result,
)
from tests.conftest import examples

SETTINGS = settings(max_examples=examples(100))

# The period starts and ends mid-week and mid-quarter so skip and clip both matter.
PERIOD = Period(date(2012, 1, 4), date(2012, 4, 20))
FIRST_DAY = date(2011, 12, 20)
LAST_DAY = date(2012, 5, 10)

RULES: RuleSet = load_ruleset(
    {
        "base": 80,
        "normalize": "top_100",
        "channels": {
            "internal": {"body": "office", "points": 2, "brief_points": 1},
            "cpc_main": {"body": "city_cpc", "points": 5},
            "cpc_leaders": {"body": "city_cpc", "points": 8},
            "gov_dynamic": {"body": "city_gov", "points": 5},
            "province": {"body": "province", "points": 30},
        },
        "instruction_bonus": {"mayor": 20, "vice_mayor": 15, "province_leader": 30},
        "feedback": {"on_time": 10, "missed": -10, "default_due_days": 7},
        "solicitation": {"answered": 5, "missed": -3},
        "quotas": [
            {
                "category": "any",
                "window": "week",
                "count": {"A": 2, "default": 1},
                "penalty": 2,
                "partial": "skip",
            },
            {
                "category": "research",
                "window": "month",
                "count": 1,
                "penalty": 3,
                "partial": "clip",
                "bonus_beyond": 4,
            },
            {
                "category": "any",
                "window": "quarter",
                "count": 2,
                "penalty": 1,
                "partial": "clip",
                "bonus_beyond": 1,
            },
        ],
    }
)
CHANNELS = sorted(RULES.channels)
RANKS = sorted(RULES.instruction_bonus)
UNIT_IDS = [f"u{index}" for index in range(5)]
SOLICITATION_IDS = ["s0", "s1", "s2"]


def _days(first: date, last: date) -> st.SearchStrategy[date]:
    return st.integers(0, (last - first).days).map(lambda offset: first + timedelta(days=offset))


def _moments(first: date = FIRST_DAY, last: date = LAST_DAY) -> st.SearchStrategy[date | datetime]:
    """Bare dates, local wall-clock times and UTC times, to exercise the time-zone rules."""
    local = st.builds(
        lambda day, minute: datetime.combine(day, time()) + timedelta(minutes=minute),
        _days(first, last),
        st.integers(0, 24 * 60 - 1),
    )
    return st.one_of(
        _days(first, last),
        local,
        local.map(lambda moment: moment.replace(tzinfo=UTC)),
    )


feedbacks = st.one_of(
    st.none(),
    st.builds(
        Feedback,
        required=st.booleans(),
        due=st.one_of(st.none(), _moments()),
        given_at=st.one_of(st.none(), _moments()),
        rejected=st.booleans(),
    ),
)
instructions = st.builds(Instruction, rank=st.sampled_from(RANKS), date=_moments(), feedback=feedbacks)
adoptions = st.builds(Adoption, channel=st.sampled_from(CHANNELS), date=_moments())
answers = st.one_of(
    st.none(),
    st.builds(
        SolicitationAnswer,
        id=st.sampled_from([*SOLICITATION_IDS, "s_other"]),
        deadline=_moments(),
        accepted=st.one_of(st.none(), st.booleans()),
    ),
)


World = tuple[list[Unit], list[Item], list[Solicitation], date]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    unit_count = draw(st.integers(1, len(UNIT_IDS)))
    units = [Unit(unit_id, draw(st.sampled_from(["A", "B", "default"]))) for unit_id in UNIT_IDS[:unit_count]]
    unit_ids = [unit.id for unit in units]
    solicitations = [
        Solicitation(call_id, draw(_moments()), tuple(draw(st.lists(st.sampled_from(unit_ids), max_size=3))))
        for call_id in SOLICITATION_IDS[: draw(st.integers(0, len(SOLICITATION_IDS)))]
    ]
    items = [
        Item(
            id=f"i{index}",
            unit=draw(st.sampled_from(unit_ids)),
            category=draw(st.sampled_from(sorted(CATEGORIES))),
            submitted_at=draw(_moments()),
            verdict=draw(st.sampled_from(["adopted", "not_adopted", "invalid", "submitted"])),
            adoptions=tuple(draw(st.lists(adoptions, max_size=3))),
            instructions=tuple(draw(st.lists(instructions, max_size=2))),
            solicitation=draw(answers),
        )
        for index in range(draw(st.integers(0, 14)))
    ]
    as_of = draw(_days(PERIOD.start - timedelta(days=3), LAST_DAY))
    return units, items, solicitations, as_of


def _score(
    units: list[Unit], items: list[Item], solicitations: list[Solicitation], as_of: date
) -> ScoreResult:
    return score_units(RULES, PERIOD, as_of, units, items, solicitations)


def _shuffled(values: list, rng: random.Random) -> list:
    copy = list(values)
    rng.shuffle(copy)
    return copy


def _shuffle_item(item: Item, rng: random.Random) -> Item:
    return dataclasses.replace(
        item,
        adoptions=tuple(_shuffled(list(item.adoptions), rng)),
        instructions=tuple(_shuffled(list(item.instructions), rng)),
    )


@SETTINGS
@given(worlds(), st.randoms(use_true_random=False))
def test_input_order_does_not_matter(world: World, rng: random.Random) -> None:
    units, items, solicitations, as_of = world
    reordered = _score(
        _shuffled(units, rng),
        [_shuffle_item(item, rng) for item in _shuffled(items, rng)],
        [
            dataclasses.replace(call, units=tuple(_shuffled(list(call.units), rng)))
            for call in _shuffled(solicitations, rng)
        ],
        as_of,
    )
    assert to_json_result(reordered) == to_json_result(_score(units, items, solicitations, as_of))


@SETTINGS
@given(worlds())
def test_raw_is_base_plus_ledger(world: World) -> None:
    for score in _score(*world).units:
        assert score.raw == RULES.base + sum(row.points for row in score.ledger)
        assert all(PERIOD.contains(row.date) and row.points for row in score.ledger)
        assert [row.sort_key for row in score.ledger] == sorted(row.sort_key for row in score.ledger)


@SETTINGS
@given(worlds(), st.data())
def test_adding_an_adoption_in_the_period_never_lowers_raw(world: World, data: st.DataObject) -> None:
    units, items, solicitations, as_of = world
    if not items:
        return
    index = data.draw(st.integers(0, len(items) - 1))
    extra = data.draw(
        st.builds(Adoption, channel=st.sampled_from(CHANNELS), date=_days(PERIOD.start, PERIOD.end))
    )
    target = items[index]
    more = list(items)
    more[index] = dataclasses.replace(target, adoptions=(*target.adoptions, extra))
    before = _score(units, items, solicitations, as_of).unit(target.unit).raw
    after = _score(units, more, solicitations, as_of).unit(target.unit).raw
    assert after >= before


@SETTINGS
@given(worlds())
def test_finals_are_normalised_to_100_and_ranks_shared(world: World) -> None:
    scores = _score(*world).units
    top = max(score.raw for score in scores)
    if top > 0:
        # final = raw × 100 / top: a unit whose penalties outweigh its base ends below zero
        assert all(score.final <= 100 and (score.final >= 0) == (score.raw >= 0) for score in scores)
        assert any(score.final == 100 for score in scores)
    else:
        assert all(score.final == 0 for score in scores)
    for score in scores:
        assert score.rank == 1 + sum(other.final > score.final for other in scores)


