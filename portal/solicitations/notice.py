"""The printable notice as the seed's 附件3 (约稿通知单) lays it out: one Notice per target unit, which the
print page, the PDF (both through `_notice.html`) and the Word version render."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..units.models import Unit
from ..web.filters import to_local
from .models import Solicitation
from .services import OFFICE_ROLES


@dataclass
class Notice:
    """The text of one notice to one unit, as the seed's 约稿通知单 words it. The print page renders
    it; the PDF renders the same object."""

    heading: str
    number: str  # 约稿编号 as printed (城南约稿〔2026〕5号), empty where the office does not number them
    addressee: str
    body: str
    requirements: str
    closing: str
    contact: str
    issuer: str
    date_line: str
    by_phone: bool


def deadline_words(deadline: datetime, issued_at: datetime) -> str:
    """A deadline as an official text writes it: 12月10日下午5时30分, 上午9时, 中午12时, 20时; midnight is
    the day before's 24时. The year only when it is not the year of issue."""
    local, issued = to_local(deadline), to_local(issued_at)
    day, hour = local.date(), local.hour
    if hour == 0 and local.minute == 0:
        day, hour = day - timedelta(days=1), 24
    year = f"{day.year}年" if day.year != issued.year else ""
    if hour < 12:
        clock = f"上午{hour}时"
    elif hour == 12:
        clock = "中午12时"
    elif hour < 19:
        clock = f"下午{hour - 12}时"
    else:
        clock = f"{hour}时"
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{year}{day.month}月{day.day}日{clock}{minutes}"


def nest_quotes(text: str) -> str:
    """Text going inside “”: its own double quotes become single ones (‘’ inside “”)."""
    return text.replace("“", "‘").replace("”", "’").replace('"', "’")


def topic_clause(topic: str) -> str:
    """What the office needs to know: “…有关情况”, without doubling a topic that already ends in 情况."""
    topic = nest_quotes(topic.strip())
    return f"“{topic}”" if topic.endswith("情况") else f"“{topic}”有关情况"


def notice_number(solicitation: Solicitation) -> str:
    """The notice's number when the office numbers them (SOLICITATION_NUMBER_PREFIX): its place among
    the solicitations issued in its year, e.g. 城南约稿〔2026〕5号."""
    prefix = current_app.config.get("SOLICITATION_NUMBER_PREFIX") or ""
    if not prefix:
        return ""
    tz = to_local(solicitation.issued_at).tzinfo
    year = to_local(solicitation.issued_at).year
    start, end = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    earlier = db.session.scalar(select(func.count(Solicitation.id)).where(
        Solicitation.issued_at >= start, Solicitation.issued_at < end,
        (Solicitation.issued_at < solicitation.issued_at)
        | ((Solicitation.issued_at == solicitation.issued_at) & (Solicitation.id <= solicitation.id))))
    return f"{prefix}〔{year}〕{earlier}号"


def build_notice(solicitation: Solicitation, unit: Unit, number: str = "") -> Notice:
    office = current_app.config["OFFICE_NAME"]
    place = f"报{office}{solicitation.room}" if solicitation.room else f"报{office}"
    reach = "".join(
        part for part in (
            f"，电话：{solicitation.phone}" if solicitation.phone else "",
            f"，邮箱：{solicitation.email}" if solicitation.email else "",
        )
    )
    body = (f"根据近期工作安排，{office}需了解{topic_clause(solicitation.topic)}，请你单位认真研究，组织有关人员"
            f"认真调研、及时撰稿，经单位主管领导审核后，于{deadline_words(solicitation.deadline, solicitation.issued_at)}"
            f"之前{place}{reach}。")
    contact = "　".join(part for part in (
        f"联系人：{solicitation.contact_name}" if solicitation.contact_name else "",
        f"电话：{solicitation.phone}" if solicitation.phone else "",
    ) if part)
    issued = to_local(solicitation.issued_at)
    return Notice(
        heading=f"{office}政务信息约稿通知",
        number=number,
        addressee=f"{unit.name}：",
        body=body,
        requirements=solicitation.requirements,
        closing="特此通知。",
        contact=contact,
        issuer=office,
        date_line=f"{issued.year}年{issued.month}月{issued.day}日",
        by_phone=solicitation.by_phone,
    )


def build_notices(user, solicitation: Solicitation) -> list[Notice]:
    """One notice per target unit for the office; a unit prints only its own."""
    targets = [t for t in solicitation.targets if user.has_any_role(*OFFICE_ROLES) or t.unit_id == user.unit_id]
    number = notice_number(solicitation)
    return [build_notice(solicitation, target.unit, number) for target in targets]
