"""Login throttling, counted in the database so that every server process sees the same numbers.

Three sliding windows of LOGIN_WINDOW_MINUTES count failed attempts:
- per account and address (LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS): one guesser at one account;
- per address (LOGIN_MAX_FAILURES_PER_ADDRESS): one machine trying many accounts (password spraying);
- per account (LOGIN_MAX_FAILURES_PER_ACCOUNT): many machines at one account.
An account at an address where it logged in successfully within LOGIN_KNOWN_ADDRESS_DAYS is exempt from
the last two: a distributed attacker cannot keep the owner out from their usual office or phone network,
and made-up usernames sprayed from an office's one NAT address cannot lock out everyone behind it.
Throttled attempts are refused without checking the password and are not counted as failures, so
hammering during a block does not prolong it: a block ends at most one window after the failures
that caused it."""
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..extensions import db, utcnow
from .models import LoginAttempt

log = logging.getLogger("portal.auth")


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the typed username (normalised), the client address and its user agent."""

    username: str
    address: str
    user_agent: str


def describe_attempt(username: str, address: str | None, user_agent: str | None) -> Attempt:
    return Attempt(username.strip().lower()[:40], (address or "")[:45], (user_agent or "")[:200])


def _blocked_until(attempt: Attempt, limit: int, *conditions) -> datetime | None:
    """When the oldest of the last `limit` failures leaves the window; None while under the limit."""
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    recent = list(db.session.scalars(
        select(LoginAttempt.at).where(LoginAttempt.outcome == "failure", LoginAttempt.at > utcnow() - window,
                                      *conditions).order_by(LoginAttempt.at.desc()).limit(limit)
    ))
    return recent[-1] + window if len(recent) >= limit else None


def _known_address(attempt: Attempt) -> bool:
    since = utcnow() - timedelta(days=current_app.config["LOGIN_KNOWN_ADDRESS_DAYS"])
    return db.session.scalar(select(LoginAttempt.id).where(
        LoginAttempt.username == attempt.username, LoginAttempt.address == attempt.address,
        LoginAttempt.outcome == "success", LoginAttempt.at > since,
    ).limit(1)) is not None


def check_login_throttle(attempt: Attempt) -> int:
    """Minutes until this attempt may be made (0: it may be made now)."""
    config = current_app.config
    same_account = LoginAttempt.username == attempt.username
    same_address = LoginAttempt.address == attempt.address
    limits = [(config["LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS"], (same_account, same_address))]
    if not _known_address(attempt):
        limits += [(config["LOGIN_MAX_FAILURES_PER_ADDRESS"], (same_address,)),
                   (config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], (same_account,))]
    until = max((moment for limit, conditions in limits
                 if (moment := _blocked_until(attempt, limit, *conditions)) is not None), default=None)
    if until is None:
        return 0
    return max(1, math.ceil((until - utcnow()).total_seconds() / 60))


def record_login_attempt(attempt: Attempt, outcome: str) -> None:
    db.session.add(LoginAttempt(username=attempt.username, address=attempt.address,
                                user_agent=attempt.user_agent, outcome=outcome, at=utcnow()))
    # %r keeps a typed newline from forging a second log line.
    log.log(logging.INFO if outcome == "success" else logging.WARNING, "login %s: username=%r address=%r agent=%r",
            outcome, attempt.username, attempt.address, attempt.user_agent)
