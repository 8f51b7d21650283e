"""Pure scoring engine for government information reporting.

A rule set (plain data an office can edit) and facts (units, items with their adoptions and instructions,
solicitations) go in; dated ledger rows, raw and final scores and ranks come out.  The package
deliberately imports neither Flask nor SQLAlchemy: the database layer only gathers facts into its
dataclasses (or plain dicts of the CLI's JSON shape) and stores results.

values.py holds what the modules share; rules.py the rule set, facts.py the facts and the CLI's input,
context.py a scoring pass's frame (the time rules), quotas.py the quota windows, ledger.py the scoring
pass itself. Callers import from the package.
"""

from ...items.categories import CATEGORIES
from .facts import (
    VERDICTS,
    Adoption,
    Feedback,
    Instruction,
    Item,
    ScoringInput,
    Solicitation,
    SolicitationAnswer,
    Unit,
    parse_input,
)
from .ledger import RULE_KEYS, LedgerRow, ScoreResult, UnitScore, rank_units, score_input, score_units, to_json_result
from .quotas import WindowProgress, measure_quota_progress
from .rules import (
    ANY_CATEGORY,
    DEFAULT_RULESET_PATH,
    DEFAULT_TIER,
    Channel,
    FeedbackRules,
    Period,
    Quota,
    RuleSet,
    SolicitationRules,
    dump_ruleset,
    load_default_ruleset,
    load_ruleset,
    resolve_period,
)
from .values import ScoringError

__all__ = [
    "ANY_CATEGORY",
    "CATEGORIES",
    "DEFAULT_RULESET_PATH",
    "DEFAULT_TIER",
    "RULE_KEYS",
    "VERDICTS",
    "Adoption",
    "Channel",
    "Feedback",
    "FeedbackRules",
    "Instruction",
    "Item",
    "LedgerRow",
    "Period",
    "Quota",
    "RuleSet",
    "ScoreResult",
    "ScoringError",
    "ScoringInput",
    "Solicitation",
    "SolicitationAnswer",
    "SolicitationRules",
    "Unit",
    "UnitScore",
    "WindowProgress",
    "dump_ruleset",
    "load_default_ruleset",
    "load_ruleset",
    "measure_quota_progress",
    "parse_input",
    "rank_units",
    "resolve_period",
    "score_input",
    "score_units",
    "to_json_result",
]
