"""`flask --app wsgi demo`: a believable street office reporting since the first week of the year (at least eight weeks).

It writes history at past moments through the services, each given the moment it happened at (`now=`):
every step of an item's workflow (sending, signing, the office's review and verdict), adoptions,
instructions and feedback, solicitations, rosters and their request, the reporting priorities and the
bulletins. Written as rows instead: the generated items' filing (see file_item), the weekly editions
(create_edition and lock_edition check their day against the clock and take no `now=` yet) and the
bulletins' notices (publish_bulletin would also render and store their files)."""
import random
from datetime import date, datetime, time, timedelta

import click
from flask import current_app
from sqlalchemy import func, select

from .auth.models import User, UserRole
from .auth.services import hash_password
from .bulletins.services import bulletin_notice, create_bulletin, freeze_bulletin, list_bulletin_readers, resolve_window
from .editions.models import Edition, EditionEntry, Publication
from .extensions import db, utcnow
from .items.models import Item, ItemEvent
from .items.services import ItemFields, create_item, edit_item_text, transition_item
from .notifications.models import Notification
from .roster.services import OfficerData, RosterData, confirm_roster, issue_roster_request, save_roster
from .scoring import engine
from .scoring.adoptions import INTERNAL_CHANNEL
from .scoring.models import Adoption, AnnualTarget, Channel
from .scoring.periods import second_signoff_categories
from .scoring.records import decide_feedback, record_adoption_by, record_instruction, submit_feedback
from .scoring.rulesets import activate_rule_set, create_rule_set, load_rules, load_template
from .solicitations.models import Solicitation
from .solicitations.priorities import publish_priority
from .solicitations.services import (
    SolicitationFields,
    acknowledge_solicitation,
    close_solicitation,
    decide_answer,
    issue_solicitation,
    mark_opened,
)
from .units.models import Tier, Unit
from .web.filters import local_day_start, local_to_utc, office_today, to_local

# Demo wording and numbers only, never security (bandit B311); an own generator, so seeding it leaves
# the process's `random` alone.
_rng = random.Random()  # nosec B311

# One telephone area code for every number the demo office shows.
AREA_CODE = "0552"
HISTORY_WEEKS = 8

# The published demo password (bandit B105), set only by `flask demo` on an empty database.
DEMO_PASSWORD = "baosong-demo"  # nosec B105

COMMUNITIES = ["幸福", "和平", "光明", "新华", "东湖", "滨河", "建设", "花园"]
DEPARTMENTS = ["综合行政执法队", "社区卫生服务中心", "退役军人服务站", "综治中心"]
ROADS = ["解放路", "人民大街", "滨河东路", "建设街", "花园路", "光明巷"]
ACTIVITIES = [
    ("开展垃圾分类入户宣传活动", "逐户发放垃圾分类指南和分类垃圾袋，现场讲解厨余垃圾、可回收物的投放要求"),
    ("组织防汛应急演练", "模拟暴雨导致地下车库进水，检验了人员转移、物资调配和应急通信流程"),
    ("举办老年人防范电信诈骗知识讲座", "民警结合身边真实案例，讲解“保健品”“冒充公检法”等常见骗局"),
    ("开展消防安全隐患排查", "重点检查楼道堆物、电动车违规充电和消防通道占用情况，发现隐患当场督促整改"),
    ("开展文明城市创建志愿服务", "志愿者清理小区卫生死角、劝导不文明停车，并向居民发放创建倡议书"),
    ("走访慰问困难群众", "为低保户、独居老人送去米面油等慰问品，详细了解生活困难和实际需求"),
    ("开展“门前三包”专项整治", "对沿街商户逐一签订责任书，清理占道经营和乱摆乱放"),
    ("举办“邻里节”文化活动", "开展书法、剪纸、趣味运动等活动，增进邻里交流"),
    ("开展医保政策进社区宣传", "工作人员现场指导居民使用医保电子凭证，解答城乡居民医保缴费问题"),
    ("召开老旧小区改造居民议事会", "居民代表围绕加装电梯、停车位规划、绿化提升等提出意见建议"),
]
NEXT_STEPS = ["持续巩固活动成效，形成常态化工作机制", "加大宣传力度，扩大居民知晓率和参与率",
              "建立问题台账，逐项跟踪整改落实", "总结经验做法，在辖区内推广"]


def _body(unit: str, day: date, what: str, detail: str) -> str:
    people = _rng.randint(8, 60)
    return (
        f"{day.month}月{day.day}日，{unit}组织工作人员和志愿者{people}人{what}。\n"
        f"活动中，{detail}，共覆盖居民{_rng.randint(120, 900)}户，收集意见建议{_rng.randint(3, 25)}条。\n"
        f"下一步，{unit}将{_rng.choice(NEXT_STEPS)}。"
    )


def _item_text(unit: str, category: str, day: date) -> tuple[str, str]:
    road = _rng.choice(ROADS)
    if category == "research":
        topic = _rng.choice(["老旧小区加装电梯", "居家养老服务需求", "新就业群体融入社区", "背街小巷停车难"])
        return (f"关于{unit}辖区{topic}情况的调研", _body(unit, day, f"围绕{topic}开展入户调研", "调研采取问卷和座谈相结合的方式，梳理出主要困难和问题"))
    if category == "suggestion":
        return ("关于加强社区网格员队伍建设的建议", _body(unit, day, "召开网格员座谈会", "网格员反映工作任务重、培训少等问题，建议完善考核激励"))
    if category == "opinion":
        return (f"网民反映{road}夜间施工噪音扰民的舆情及处置情况", _body(unit, day, "接到网民投诉后赶赴现场核查", "联合执法队约谈施工单位，责令其调整作业时间"))
    if category == "emergency":
        return (f"{road}一居民楼发生燃气泄漏险情 已妥善处置", _body(unit, day, "第一时间疏散群众并联系燃气公司抢修", "现场无人员伤亡，险情已排除"))
    if category == "brief":
        return (f"{unit}完成辖区人口信息季度核查", f"{day.month}月{day.day}日，{unit}完成辖区实有人口信息季度核查，更新信息{_rng.randint(50, 400)}条。")
    if category == "experience":
        return (f"{unit}以“党建+网格”模式破解小区治理难题", _body(unit, day, "推行“党建+网格”工作法", "把党小组建在网格上，楼栋长、党员志愿者共同参与议事"))
    if category == "policy":
        return ("关于做好冬季供暖保障工作有关要求的传达落实情况", _body(unit, day, "传达学习冬季供暖保障工作要求", "逐一排查辖区供暖设施，建立困难群众取暖台账"))
    what, detail = _rng.choice(ACTIVITIES)
    return f"{unit}{what}", _body(unit, day, what, detail)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(datetime.combine(day, time(hour, minute)))


class DemoBuilder:
    def __init__(self, today: date, now: datetime):
        self.today, self.now = today, now
        self.form_serial = 0

    def user(self, username: str, name: str, unit: Unit, *roles: str) -> User:
        user = User(username=username, name=name, unit=unit, password_hash=self.password_hash,
                    role_rows=[UserRole(role=role) for role in roles])
        db.session.add(user)
        return user

    def build(self) -> None:
        self.password_hash = hash_password(DEMO_PASSWORD)
        self.adopt_rule_set()
        key_tier = Tier(key="A", name="重点单位", sort_order=1)
        normal_tier = Tier(key="B", name="一般单位", sort_order=2)
        office = Unit(name=current_app.config["OFFICE_NAME"], kind="office", sort_order=0,
                      contact_name="刘晓梅", contact_phone=f"{AREA_CODE}-3012345")
        db.session.add_all([key_tier, normal_tier, office])
        units = []
        for index, name in enumerate(COMMUNITIES):
            units.append(Unit(name=f"{name}社区", kind="community", parent=office,
                              tier=key_tier if index < 3 else normal_tier, sort_order=10 + index))
        for index, name in enumerate(DEPARTMENTS):
            units.append(Unit(name=f"街道{name}", kind="department", parent=office, tier=normal_tier,
                              sort_order=30 + index))
        db.session.add_all(units)

        self.user("admin", "系统管理员", office, "admin")
        self.editor = self.user("editor", "王敏", office, "editor")
        self.editor2 = self.user("editor2", "李娜", office, "editor")
        self.user("leader", "赵建国", office, "viewer")
        surnames = "陈刘杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯"
        given = ["晓燕", "志强", "丽华", "建平", "海燕", "文静", "国庆", "红梅", "立新", "春花", "明辉", "秀英"]
        staff = {}
        # The rule set's categories signed twice (调研): every unit has its 主管领导 for them.
        self.second_signoff = second_signoff_categories()
        self.supervisors: dict[str, User] = {}
        for index, unit in enumerate(units):
            prefix = "" if index == 0 else f"u{index + 1:02d}_"
            reporter = self.user(f"{prefix}reporter", surnames[index * 2] + given[index], unit, "reporter")
            signer = self.user(f"{prefix}signer", surnames[index * 2 + 1] + given[-index - 1], unit, "signer")
            staff[unit.name] = (reporter, signer)
            if self.second_signoff:
                self.supervisors[unit.name] = self.user(f"{prefix}supervisor", surnames[-index - 1] + given[index - 3],
                                                        unit, "supervisor")
        db.session.flush()
        self.channels = {channel.key: channel for channel in db.session.scalars(select(Channel))}
        self.internal = self.channels[INTERNAL_CHANNEL]
        for tier, submitted, adopted in ((key_tier, 80, 45), (normal_tier, 60, 30)):
            db.session.add(AnnualTarget(year=self.today.year, tier_id=tier.id, submitted_target=submitted,
                                        adopted_target=adopted))
        for unit in units:
            # One unit reports little, so the ranking shows what "far behind" looks like.
            weekly = [0, 0, 0, 1, 1, 2] if unit is units[-1] else [0, 1, 1, 2, 2, 3]
            self.file_weeks(unit, *staff[unit.name], weekly)
        self.file_showcase(units[0], *staff[units[0].name])
        self.file_solicitations(units, staff)
        self.fill_rosters(units, staff)
        self.compile_editions()
        self.publish_bulletins()
        # Last, so the random choices of everything before stay as they were.
        self.file_near_duplicates(units, staff)
        self.read_old_notices()

    # The street's own method (a template shipped with the portal): a calendar year, monthly bulletins,
    # 《城南信息》 and the street's 公众号, the district's publications and leaders.
    RULE_SET = "chengnan"

    def adopt_rule_set(self) -> None:
        """The office scores by its own rule set, active from the start; its publication is 《城南信息》."""
        data = load_template(self.RULE_SET)
        period = engine.resolve_period(load_rules(data), self.today.year)
        activate_rule_set(create_rule_set(data["name"], data, period.start, period.end))
        channel = db.session.scalar(select(Channel).where(Channel.key == INTERNAL_CHANNEL))
        for publication in db.session.scalars(select(Publication).where(Publication.channel_id == channel.id)):
            publication.name = channel.name

    # The generated history is a handful of sentence templates, so it is filed as rows rather than through
    # create_item (file_item): like data imported from an older system it carries no stored features and is
    # no near-duplicate candidate, where the templates would make every unit's items resemble each other. The
    # planted items (and every item saved through the portal) are filed by create_item and are candidates.

    # Near-duplicates on purpose: two units report one event (the editor may combine them, 综合), and a
    # unit re-files an earlier item with small changes (the editor may mark it a duplicate).
    SAME_EVENT = (
        ("幸福社区联合综治中心开展反电信诈骗宣传",
         "{month}月{day}日，幸福社区联合街道综治中心在社区广场开展反电信诈骗宣传活动，社区民警和网格员共20人参加。"
         "活动中，民警结合“刷单返利”“冒充客服退款”等真实案例讲解诈骗手法，现场指导居民下载国家反诈中心APP，"
         "发放宣传资料300余份，解答群众咨询80人次。"),
        ("街道综治中心走进幸福社区开展反诈宣传",
         "{month}月{day}日上午，街道综治中心走进幸福社区广场开展反电信诈骗宣传，社区民警和网格员参加。"
         "民警以“刷单返利”“冒充客服退款”等真实案例讲解诈骗手法，现场指导居民下载国家反诈中心APP，"
         "共发放宣传资料300余份，解答群众咨询80人次。"),
    )
    REFILED = ("和平社区开展冬季消防安全入户检查",
               "{month}月{day}日，和平社区组织网格员和物业人员12人开展冬季消防安全入户检查，重点检查楼道堆物、"
               "电动车入户充电和消防通道占用情况，共检查居民楼18栋，发现隐患{issues}处，已当场整改{fixed}处。"
               "下一步，和平社区将建立隐患台账，逐项跟踪整改落实。")

    def file_near_duplicates(self, units: list[Unit], staff: dict[str, tuple[User, User]]) -> None:
        happy, peace, office_dept = units[0], units[1], units[len(COMMUNITIES) + 3]
        day = self.today - timedelta(days=1)
        for unit, (title, body) in zip((happy, office_dept), self.SAME_EVENT, strict=True):
            self.file_planted(unit, *staff[unit.name], title, body.format(month=day.month, day=day.day),
                              _at(day, 15), "submitted")
        earlier = self.today - timedelta(days=20)
        text = self.REFILED[1].format(month=earlier.month, day=earlier.day, issues=15, fixed=11)
        again = text.replace("发现隐患15处", "发现隐患16处").replace("下一步，", "近期，")
        self.file_planted(peace, *staff[peace.name], self.REFILED[0], text, _at(earlier, 15), "adopted")
        self.file_planted(peace, *staff[peace.name], self.REFILED[0] + "情况", again, _at(day, 16), "submitted")

    def file_planted(self, unit: Unit, reporter: User, signer: User, title: str, body: str, created: datetime,
                     final: str) -> Item:
        """Filed as the portal files: stored features, so the near-duplicate check finds it."""
        item = create_item(reporter, ItemFields(title, body, "work", event_end_at=created - timedelta(hours=1)),
                           self.next_form_key(), now=created)
        transition_item(item, reporter, "send", now=created + timedelta(minutes=10))
        transition_item(item, signer, "sign", now=created + timedelta(minutes=30))
        if final == "adopted":
            self.decide(item, self.editor, reporter, item.submitted_at + timedelta(hours=3), "adopted")
        return item

    def next_form_key(self) -> str:
        self.form_serial += 1
        return f"demo-{self.form_serial:05d}"

    SECTIONS = {"experience": "经验做法", "research": "调研与建议", "suggestion": "调研与建议"}

    def compile_editions(self) -> None:
        """A weekly 《高新信息》 every Friday up to last week, carrying the items adopted before it, each
        adoption naming its edition as locking does (its date stays); this week's adopted items wait for the editor
        (one in a draft), so the demo shows both a back catalogue and work to do."""
        publication = db.session.scalar(select(Publication).where(Publication.channel_id == self.internal.id))
        if publication is None:
            return
        adoptions = list(db.session.scalars(
            select(Adoption).join(Item).where(Adoption.channel_id == self.internal.id, Item.status == "adopted")
            .order_by(Adoption.adopted_on, Adoption.item_id)
        ))
        this_friday = self.today + timedelta(days=4 - self.today.weekday())
        # The newest adoption always waits for the editor, even on a day when this week has none yet
        # (made on a Tuesday, every earlier adoption would otherwise be in a locked edition).
        pending, newest = adoptions[:-1], adoptions[-1:]
        number = 0
        for friday in sorted({a.adopted_on + timedelta(days=4 - a.adopted_on.weekday()) for a in adoptions}):
            carried = [a for a in pending if a.adopted_on <= friday][:8]
            if friday >= this_friday or friday > self.today or not carried:
                continue
            pending = [a for a in pending if a not in carried]
            number += 1
            locked_at = local_to_utc(datetime.combine(friday, time(16)))
            edition = Edition(publication=publication, status="locked", issued_on=friday, year=friday.year,
                              number=number, total_number=publication.total_start + number, editor_note="",
                              created_by_id=self.editor.id, created_at=locked_at - timedelta(hours=3),
                              locked_by_id=self.editor.id, locked_at=locked_at)
            for position, adoption in enumerate(carried, start=1):
                item = db.session.get(Item, adoption.item_id)
                edition.entries.append(EditionEntry(
                    item=item, position=position, section=self.SECTIONS.get(item.category, "工作动态"),
                    headline=item.display_title, body=item.display_body, unit_name=item.unit.name))
            db.session.add(edition)
            db.session.flush()
            for adoption in carried:
                adoption.edition_id = edition.id
        pending += newest
        if pending:
            draft = Edition(publication=publication, issued_on=self.today, editor_note="", created_by_id=self.editor.id,
                            created_at=self.now)
            item = db.session.get(Item, pending[0].item_id)
            draft.entries.append(EditionEntry(item=item, position=1, section="工作动态", headline=item.display_title))
            db.session.add(draft)


    def bulletin_months(self) -> list:
        """Last month (left as a draft) and the two before it (published), newest first."""
        months, day = [], self.today.replace(day=1)
        for _ in range(3):
            day = (day - timedelta(days=1)).replace(day=1)
            months.append(resolve_window("month", day.year, day.month))
        return months

    def first_bulletin_day(self) -> date:
        return self.bulletin_months()[-1].first

    def publish_bulletins(self) -> None:
        """The monthly bulletins of the two months before last, published (numbered, frozen, announced)
        a few days after each month ended, and last month's left as a draft for the editor to preview
        and publish in the walk-through."""
        db.session.flush()
        latest, *earlier = self.bulletin_months()
        for window in reversed(earlier):  # the older month first: it takes the lower number
            at = _at(window.last + timedelta(days=3), 10)
            bulletin = freeze_bulletin(self.editor, create_bulletin(self.editor, window, now=at), now=at)
            for user_id in list_bulletin_readers():
                db.session.add(Notification(user_id=user_id, kind="bulletin_published", text=bulletin_notice(bulletin),
                                            url=f"/bulletins/{bulletin.id}", created_at=at,
                                            read_at=at + timedelta(hours=4)))
        create_bulletin(self.editor, latest, now=self.now)

    def fill_rosters(self, units: list[Unit], staff: dict[str, tuple[User, User]]) -> None:
        """Every unit's roster filled in (the signer as 分管领导, the reporter as 信息员, a part-time
        helper in some), and one open roster request that about half the units have answered. The
        walk-through community (幸福社区) has not, so its reporter finds the countdown and the button."""
        updated = self.now - timedelta(days=40)
        rosters = {}
        for index, unit in enumerate(units):
            reporter, signer = staff[unit.name]
            community = unit.kind == "community"
            officers = [OfficerData(
                name=reporter.name, position="社区干事" if community else "综合办干事",
                employment="full_time" if index % 3 else "part_time", mobile=f"138{4310 + index:04d}{1200 + index * 7:04d}",
                office_phone=f"{AREA_CODE}-3012{1200 + index:04d}", email=f"xinxi{index + 1:02d}@chengnan.gov.cn")]
            if index % 4 == 1:
                officers.append(OfficerData(name=signer.name[0] + "晓明", position="网格员", employment="part_time",
                                            mobile=f"136{4310 + index:04d}{5600 + index:04d}"))
            rosters[unit.name] = RosterData(
                leader_name=signer.name, leader_position="社区党委书记" if community else "主任",
                leader_mobile=f"139{4310 + index:04d}{8800 + index:04d}", leader_phone=f"{AREA_CODE}-3012{2200 + index:04d}",
                section="社区党群服务中心" if community else "综合办公室", officers=officers)
            save_roster(reporter, unit, rosters[unit.name], now=updated)
        issued = self.now - timedelta(days=2)
        issue_roster_request(self.editor, _at(to_local(self.now).date() + timedelta(days=3), 17),
                             "请各单位核对本单位分管领导、对口科室和信息员的姓名、职务及联系方式：有变化的请在平台上更新名单，"
                             "无变化的请点击“确认无变化”。", now=issued)
        for index, unit in enumerate(units):
            reporter, signer = staff[unit.name]
            answered = issued + timedelta(hours=3 + index * 2)
            if index % 4 == 1:  # saved again: an update answers the request
                save_roster(reporter, unit, rosters[unit.name], now=answered)
            elif index % 2 == 1:
                confirm_roster(signer, unit, now=answered)

    def file_weeks(self, unit: Unit, reporter: User, signer: User, weekly: list[int]) -> None:
        monday = self.today - timedelta(days=self.today.weekday())
        # From the first week of the year, so the scoring period has a whole history to rank, at least
        # eight weeks whatever the day (made on 3 January, it reaches back into December), and back to the
        # first day of the oldest month whose bulletin the demo publishes (see publish_bulletins).
        weeks = max(HISTORY_WEEKS, (monday - date(self.today.year, 1, 1)).days // 7,
                    (monday - self.first_bulletin_day()).days // 7 + 1)
        for weeks_ago in range(weeks, -1, -1):
            week_start = monday - timedelta(weeks=weeks_ago)
            for _ in range(_rng.choice(weekly)):
                day = week_start + timedelta(days=_rng.randint(0, 4))
                event_end = _at(day, _rng.randint(9, 16))
                created = event_end + timedelta(minutes=_rng.randint(20, 100))
                self.file_item(unit, reporter, signer, created, event_end, self.pick_final_state(weeks_ago))

    def file_showcase(self, unit: Unit, reporter: User, signer: User) -> None:
        """The walk-through community gets one item in each state whatever the day: a signer must
        find something to sign, an editor something to decide."""
        for final, hours_ago in (("draft", 2), ("awaiting_signoff", 3), ("awaiting_lead", 4), ("submitted", 20),
                                 ("in_review", 80), ("adopted", 240), ("not_adopted", 250), ("invalid", 260)):
            if final == "awaiting_lead" and "research" not in self.second_signoff:
                continue
            created = self.now - timedelta(hours=hours_ago)
            self.file_item(unit, reporter, signer, created, created - timedelta(minutes=40), final, quick=True,
                           category="research" if final == "awaiting_lead" else None)

    def file_item(self, unit: Unit, reporter: User, signer: User, created: datetime, event_end: datetime,
                  final: str, quick: bool = False, category: str | None = None, text: tuple[str, str] | None = None,
                  solicitation: Solicitation | None = None) -> Item | None:
        """Files one item (`text`: its title and body, else one of the templates) and walks it to `final`
        through the workflow; history never runs past the demo's clock (`now`), so an item whose next
        step would lie in the future simply stays where it is."""
        if created > self.now:
            return None
        category = category or _rng.choices(
            ["work", "brief", "experience", "research", "suggestion", "opinion", "emergency", "policy"],
            weights=[40, 15, 10, 10, 6, 7, 3, 4],
        )[0]
        title, body = text or _item_text(unit.name, category, to_local(created).date())
        if category not in ("work", "emergency", "opinion"):
            event_end = None
        major = category == "emergency"
        # The workflow checks the unit by its id, which a new row's relationship sets only when flushed.
        item = Item(unit=unit, unit_id=unit.id, author=reporter, form_key=self.next_form_key(), title=title, body=body,
                    category=category, event_end_at=event_end, major=major,
                    report_due_at=Item.compute_report_due(event_end, major), status="draft",
                    solicitation=solicitation, solicitation_verdict="pending" if solicitation else None,
                    created_at=created, updated_at=created)
        item.events.append(ItemEvent(actor=reporter, at=created, action="create", to_status="draft"))
        db.session.add(item)
        # In quick mode every step takes minutes, so a showcase item reaches its state in time.
        sent = created + timedelta(minutes=_rng.randint(10, 60) if not quick else 10)
        if final == "draft" or sent > self.now:
            return item
        transition_item(item, reporter, "send", now=sent)
        signed = sent + timedelta(minutes=_rng.choice([15, 30, 60, 180, 300]) if not quick else 15)
        if final == "awaiting_signoff" or signed > self.now:
            return item
        if category in self.second_signoff:
            # The unit head signs first; the 主管领导 sends it on to the office.
            transition_item(item, signer, "sign_first", now=sent + (signed - sent) / 2)
            if final == "awaiting_lead":
                return item
            transition_item(item, self.supervisors[unit.name], "lead_sign", now=signed)
        else:
            transition_item(item, signer, "sign", now=signed)
        reviewed = signed + timedelta(hours=_rng.randint(2, 30) if not quick else 1)
        if final == "submitted" or reviewed > self.now:
            return item
        editor = _rng.choice([self.editor, self.editor2])
        if final == "in_review" or _rng.random() < 0.3:
            transition_item(item, editor, "accept", now=reviewed)
            if final == "in_review":
                return item
        decided = reviewed + timedelta(hours=_rng.randint(1, 20) if not quick else 1)
        if decided > self.now:
            return item
        self.decide(item, editor, reporter, decided, final)
        return item

    # (topic, requirements) of the demo's solicitations (约稿)
    SOLICITATION_TOPICS = (
        ("今冬明春安全生产隐患排查整治情况", "请重点反映排查发现的主要隐患、整改措施和长效机制，1500字以内，可附现场照片。"),
        ("辖区“一老一小”服务保障工作开展情况", "请写明助餐、托育等服务的覆盖人数、特色做法和存在的困难，1000字左右。"),
        ("冬季供暖保障工作落实情况", "请反映供暖设施排查、困难群众取暖保障和群众诉求办理情况。"),
        ("第三季度重点工作推进情况", "请围绕重点项目、民生实事和基层治理，突出数据和成效，2000字以内。"),
    )

    def file_solicitations(self, units: list[Unit], staff: dict[str, tuple[User, User]]) -> None:
        """Solicitations in every state the board knows: open (one due within a day), overdue and
        recorded by telephone, and closed, with receipts, answers on time and late, and verdicts;
        and the current reporting priorities (信息工作要点)."""
        hour = self.now.replace(minute=0, second=0, microsecond=0)
        communities = [unit for unit in units if unit.kind == "community"]
        departments = [unit for unit in units if unit.kind == "department"]
        plans = [
            # topic index, targets, issued, deadline, by phone, closed, {unit index: (receipt, answer)}
            (0, communities[:3], hour - timedelta(days=1), hour + timedelta(days=3, hours=5), False, False,
             {0: ("acknowledged", None), 1: ("acknowledged", ("on_time", "pending")), 2: ("opened", None)}),
            (1, communities, hour - timedelta(days=2), hour + timedelta(hours=20), False, False,
             {1: ("acknowledged", None), 3: ("opened", None), 4: ("acknowledged", ("on_time", "accepted"))}),
            (2, departments + communities[:1], hour - timedelta(days=6), hour - timedelta(days=2), True, False,
             {0: ("acknowledged", ("on_time", "accepted")), 1: ("acknowledged", ("late", "pending")),
              2: ("opened", None), 4: ("acknowledged", ("on_time", "pending"))}),
            (3, units, hour - timedelta(days=24), hour - timedelta(days=14), False, True,
             {index: ("acknowledged", (("late", "rejected") if index % 4 == 3 else ("on_time", "accepted")))
              for index in range(len(units)) if index % 5 != 4}),
        ]
        for topic_index, targets, issued, deadline, by_phone, closed, fates in plans:
            topic, requirements = self.SOLICITATION_TOPICS[topic_index]
            solicitation = issue_solicitation(self.editor, SolicitationFields(
                topic, requirements, deadline, contact_name=self.editor.name, room="309室",
                phone=f"{AREA_CODE}-3012345", email="xinxi@chengnan.gov.cn", unit_ids={unit.id for unit in targets},
                by_phone=by_phone), now=issued)
            for index, unit in enumerate(targets):
                receipt, answer = fates.get(index, (None, None))
                reporter, signer = staff[unit.name]
                opened = issued + timedelta(hours=1 + index)
                if receipt:
                    mark_opened(reporter, solicitation, now=opened)
                if receipt == "acknowledged":
                    acknowledge_solicitation(reporter, solicitation, now=opened + timedelta(minutes=20))
                if answer:
                    self.file_answer(solicitation, unit, reporter, signer, *answer)
            if closed:
                close_solicitation(self.editor, solicitation, now=deadline + timedelta(days=4))
        publish_priority(self.editor, f"{self.today.year}年{self.today.month}月政务信息工作要点",
                         "一、冬季安全生产和森林防火工作的措施和成效；\n二、“一老一小”等民生实事的推进情况；\n"
                         "三、基层治理和矛盾纠纷化解的经验做法；\n四、群众反映强烈的热点难点问题及意见建议。",
                         now=self.now - timedelta(days=5))

    def file_answer(self, solicitation: Solicitation, unit: Unit, reporter: User, signer: User, timing: str,
                    verdict: str) -> None:
        """An item answering a solicitation, signed off before (on_time) or after (late) its deadline."""
        offset = timedelta(hours=-6) if timing == "on_time" else timedelta(hours=10)
        # Quick mode signs 25 minutes after creation; a late answer may still lie ahead of the clock.
        created = min(solicitation.deadline + offset, self.now - timedelta(hours=3))
        final = "not_adopted" if verdict == "rejected" else "in_review"
        text = (f"{unit.name}关于{solicitation.topic}的报告",
                f"按照办公室约稿要求，{unit.name}对{solicitation.topic}进行了梳理。"
                f"{solicitation.requirements}\n下一步，{unit.name}将{_rng.choice(NEXT_STEPS)}。")
        item = self.file_item(unit, reporter, signer, created, created, final, quick=True, category="research",
                              text=text, solicitation=solicitation)
        if item.submitted_at and verdict != "pending":
            decide_answer(self.editor, item, verdict, now=min(item.submitted_at + timedelta(hours=2), self.now))

    def decide(self, item: Item, editor: User, reporter: User, decided: datetime, final: str) -> None:
        if final == "adopted":
            if "开展" in item.title and _rng.random() < 0.5:
                # The editor's usual polish: a firmer headline, a tighter opening.
                edit_item_text(item, editor, item.title.replace("开展", "扎实开展", 1),
                               item.body.replace("组织工作人员和志愿者", "组织干部和志愿者", 1), item.version, now=decided)
            transition_item(item, editor, "adopt", now=decided)
            self.upper_office_follow_up(item, editor, reporter, decided)
        elif final == "invalid":
            reason = _rng.choice(["内容空泛，缺少具体做法和数据", "与本单位前期报送信息重复", "超过规定报送时限"])
            transition_item(item, editor, "invalidate", reason, now=decided)
        elif final == "not_adopted":
            transition_item(item, editor, "reject", now=decided)
        elif final == "returned":
            transition_item(item, editor, "return", "请补充活动的具体成效和数据，标题再精炼一些", now=decided)

    # The district's offices pick up a few of the street's adopted items (the city rarely); district
    # leaders sometimes instruct on them.
    UPPER_CHANNELS = ["district_gov_web", "district_gov_main", "district_cpc_main", "district_gov_special",
                      "district_cpc_special", "city"]
    LEADERS = [("vice_district_mayor", "李明"), ("district_standing_committee", "王建华"), ("district_mayor", "张伟"),
               ("district_cpc_deputy_secretary", "刘洋"), ("district_cpc_secretary", "陈志刚")]
    WECHAT = "wechat"

    def upper_office_follow_up(self, item: Item, editor: User, reporter: User, decided: datetime) -> None:
        # The street's notice: what the office adopts often runs on its 公众号 too, a day or two later.
        if _rng.random() < 0.35:
            on = decided + timedelta(days=_rng.randint(0, 2))
            if on <= self.now:
                record_adoption_by(editor, item, self.WECHAT, to_local(on).date(), now=on)
        if _rng.random() < 0.18:
            channel = _rng.choices(self.UPPER_CHANNELS, weights=[30, 25, 20, 10, 8, 3])[0]
            on = decided + timedelta(days=_rng.randint(2, 12))
            if on <= self.now:
                record_adoption_by(editor, item, channel, to_local(on).date(), now=on)
        if _rng.random() < 0.06:
            rank, leader = _rng.choice(self.LEADERS)
            on = decided + timedelta(days=_rng.randint(1, 10))
            if on > self.now:
                return
            due = local_to_utc(datetime.combine(to_local(on).date() + timedelta(days=7), time(23, 59, 59)))
            instruction = record_instruction(editor, item, leader, rank, to_local(on).date(),
                                             "此做法很好，请认真总结经验，进一步抓好落实，并将落实情况报来。", True, due,
                                             now=on)
            given = on + timedelta(days=_rng.choice([2, 3, 5, 9]))
            if given <= self.now and _rng.random() < 0.85:
                submit_feedback(reporter, instruction,
                                "已按领导批示要求召开专题会议研究部署，形成长效机制，相关做法已在辖区推广。", now=given)
                decided_at = given + timedelta(days=1)
                if decided_at <= self.now:
                    decide_feedback(editor, instruction, True, now=decided_at)

    def pick_final_state(self, weeks_ago: int) -> str:
        if weeks_ago == 0:
            return _rng.choice(["draft", "awaiting_signoff", "submitted", "submitted", "in_review"])
        if weeks_ago == 1:
            return _rng.choice(["submitted", "in_review", "adopted", "not_adopted", "returned"])
        return _rng.choices(["adopted", "not_adopted", "invalid", "returned"], weights=[45, 40, 10, 5])[0]

    def read_old_notices(self) -> None:
        """The units and the office have read what they were told, bar the last few days."""
        cutoff = local_day_start(self.today - timedelta(days=3))
        for notification in db.session.scalars(select(Notification).where(
                Notification.read_at.is_(None), Notification.created_at < cutoff)):
            notification.read_at = notification.created_at + timedelta(hours=3)


def load_demo(today: date, seed: int = 2026) -> None:
    """From the first week of `today`'s year (at least eight weeks) up to `today`. The demo's clock stops at
    the real time when that is today, else at 18:00 of `today`, and no history is written after it."""
    _rng.seed(seed)
    real_now = utcnow()
    now = real_now if to_local(real_now).date() == today else _at(today, 18)
    # The services name items in their notices by URL, which Flask builds only inside a request.
    with current_app.test_request_context():
        DemoBuilder(today, now).build()


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when accounts already exist.")
def demo_command(if_empty: bool) -> None:
    """Create the demo street office, its units, accounts and items since the year's first week (at least eight weeks)."""
    if db.session.scalar(select(func.count(User.id))):
        if if_empty:
            return
        raise click.ClickException("数据库中已有账号，演示数据只能在空数据库中创建。")
    load_demo(office_today())
    db.session.commit()
    click.echo("演示数据已创建。演示账号（密码均为 baosong-demo）：")
    for username, role in (("admin", "管理员"), ("editor", "办公室编辑"), ("reporter", "幸福社区信息员"),
                           ("signer", "幸福社区负责人"), ("supervisor", "幸福社区主管领导（审签调研类信息）"),
                           ("leader", "领导（只读）")):
        click.echo(f"  {username:<11}{role}")
