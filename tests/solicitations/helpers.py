"""Shared steps of the solicitation tests: issuing through the real route, clients per user, times."""
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.extensions import db, utcnow
from portal.notifications.models import Notification
from portal.solicitations.models import Solicitation
from tests.conftest import login

SHANGHAI = ZoneInfo("Asia/Shanghai")


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def office_today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


def in_days(days: int) -> str:
    return (office_today() + timedelta(days=days)).isoformat()


def shanghai(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def notice_data(**overrides) -> dict:
    return {
        "topic": "今冬明春安全生产隐患排查整治情况",
        "requirements": "请重点反映排查发现的主要隐患和整改措施，1500字以内。",
        "deadline_date": in_days(5), "deadline_hour": "17",
        "contact_name": "王敏", "room": "309室", "phone": "0552-3012345", "email": "xinxi@chengnan.gov.cn",
    } | overrides


def latest_solicitation() -> Solicitation:
    db.session.expire_all()
    return db.session.scalar(select(Solicitation).order_by(Solicitation.id.desc()).limit(1))


def issue(editor_client, **overrides) -> Solicitation:
    """Issues a notice through the real form; `units` / `groups` as lists of form values."""
    response = editor_client.post("/solicitations/new", data=notice_data(**overrides))
    assert response.status_code == 302, errors_of(response.get_data(as_text=True))
    return latest_solicitation()


def errors_of(html: str) -> list[str]:
    return re.findall(r'class="(?:error|flash error)"[^>]*>([^<]*)<', html)


def notices(user) -> list[str]:
    db.session.expire_all()
    return [n.text for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
