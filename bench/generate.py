"""Generate a realistic dataset straight into a migrated database, fast (bulk inserts; COPY on PostgreSQL).

    python bench/generate.py city      --database sqlite:///bench/out/city.db
    python bench/generate.py province  --database postgresql+psycopg://postgres@127.0.0.1/bench_province

city: 300 units × one year ≈ 50,000 items; province: 3,000 units × three years ≈ 1.5 million items.
Units fall in four tiers filing 25/18/12/8 items a month; ~40 % of the items are adopted by the office,
some also by upper offices, a few percent get a leader's instruction and the unit's feedback; twice a
month the office sends a solicitation to ~15 % of the units, most of which answer, some late. The last
two weeks are still being worked: items awaiting signing, submitted, in review. Every unit has a
reporter r<N> and a signer s<N> (password "x"); the office has bench_editor and bench_admin.
Deterministic for a given seed."""
import argparse
import os
import random
import sys
from datetime import date, datetime, time, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from portal import create_app  # noqa: E402
from portal.auth.models import User, UserRole  # noqa: E402
from portal.auth.services import hash_password  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.jobs import refresh_planner_statistics  # noqa: E402
from portal.items.models import Item  # noqa: E402
from portal.scoring.models import Adoption, Channel, Instruction  # noqa: E402
from portal.search.services import rebuild_search_index  # noqa: E402
from portal.solicitations.models import Solicitation, SolicitationTarget  # noqa: E402
from portal.units.models import Tier, Unit  # noqa: E402

SIZES = {"small": {"units": 30, "years": 1}, "city": {"units": 300, "years": 1},
         "province": {"units": 3000, "years": 3}}
# Tier: share of units, items filed per month (well above the seed's monthly quotas of 6/5/3/2)
TIERS = [("A", "一类单位", 0.1, 25), ("B", "二类单位", 0.3, 18), ("C", "三类单位", 0.4, 12), ("D", "四类单位", 0.2, 8)]
UPPER = ["gov_intranet", "gov_dynamic", "cpc_main", "gov_other", "cpc_research", "gov_special", "province", "state"]
RANKS = ["mayor", "vice_mayor", "cpc_secretary_general", "gov_deputy_secretary_general", "cpc_deputy_secretary"]
CATEGORIES = (["work"] * 40 + ["brief"] * 15 + ["experience"] * 10 + ["research"] * 10 + ["suggestion"] * 6
              + ["opinion"] * 7 + ["emergency"] * 3 + ["policy"] * 4)
TOPICS = ["垃圾分类入户宣传", "防汛应急演练", "消防安全隐患排查", "老旧小区改造议事", "文明城市创建志愿服务",
          "困难群众走访慰问", "医保政策宣传", "安全生产大检查", "退役军人政策宣讲", "营商环境优化座谈",
          "冬季供暖保障", "食品安全专项整治", "平安建设宣传", "乡村振兴产业帮扶", "重点项目建设推进"]
PLACES = ["城关", "东湖", "西城", "南岭", "北苑", "高新", "长青", "永安", "兴隆", "和平", "富民", "青山"]
KINDS = [("street", "街道"), ("community", "社区"), ("department", "局")]
# The last days of the data are still being worked on; earlier items have had the editor's verdict.
OPEN_DAYS = 14
# Body text: sentences of the kinds items are made of, each naming one of many matters, so that a word
# such as 垃圾, 防汛 or 充电桩 is in a few percent of the items, as in a real year, and 工作 in nearly all.
MATTERS = ("垃圾分类 防汛排涝 疫情防控 消防安全 充电桩建设 网格员培训 志愿服务 老旧小区改造 燃气安全 食品安全 "
           "电动车充电 高空抛物 噪声扰民 违章搭建 占道经营 河道保洁 秸秆禁烧 森林防火 地质灾害 城市内涝 "
           "困难群众救助 低保审核 残疾人帮扶 留守儿童关爱 独居老人探访 养老服务 托育服务 家庭医生签约 "
           "医保缴费 异地就医备案 退役军人优待 兵役登记 征兵宣传 禁毒宣传 反诈宣传 扫黑除恶 信访维稳 "
           "矛盾纠纷调解 法律援助 普法宣传 社区矫正 安置帮教 治安巡逻 平安建设 交通安全 校园周边整治 "
           "营商环境 企业走访 招商引资 项目建设 稳岗就业 技能培训 创业担保贷款 农民工工资 根治欠薪 "
           "人口普查 经济普查 统计调查 粮食安全 耕地保护 高标准农田 乡村振兴 人居环境整治 厕所革命 "
           "污水治理 大气污染防治 扬尘治理 油烟整治 河长制 林长制 垃圾清运 绿化养护 路灯维修 井盖更换 "
           "文明城市创建 新时代文明实践 全民阅读 文化惠民演出 全民健身 非遗传承 红色教育 党史学习 "
           "主题党日 党员冬训 发展党员 基层党建 清廉建设 作风建设 政务公开 一网通办 12345热线 "
           "物业管理 业委会组建 加装电梯 停车难 快递驿站 菜市场改造 农贸市场 价格监测 计量检定 "
           "特种设备 危化品 有限空间作业 建筑工地 自建房排查 防溺水 寒潮应对 台风防御 应急演练 应急物资储备").split()
OPENINGS = ["为切实做好{t}工作，", "近日，我单位组织开展{t}活动，", "按照上级部署要求，{t}工作有序推进，",
            "{m}月以来，围绕{t}，"]
SENTENCES = ["单位主要负责同志带队深入一线，专题调度{o}工作", "围绕{o}发放宣传资料{n}份，现场解答群众咨询{k}人次",
             "组织志愿者{k}名参与{o}，群众满意度明显提升", "对辖区{k}处{o}重点部位开展拉网式排查",
             "召开{o}专题会议研究部署，明确责任分工和时间节点", "梳理{o}问题清单{k}项，已整改完成{n}项",
             "邀请专业人员讲解{o}相关知识", "会同相关部门开展{o}联合检查{k}次", "将{o}纳入网格化管理，做到不漏一户",
             "通过微信公众号和居民群推送{o}政策解读{k}篇", "建立{o}工作台账，实行销号管理",
             "把{o}作为为民办实事重要内容，持续跟踪问效"]
CLOSINGS = ["下一步，将持续巩固工作成效，建立长效机制。", "下一步，将进一步加大工作力度，确保各项任务落到实处。",
            "群众满意度和获得感不断提升。"]


def body_text(rng: random.Random, topic: str) -> str:
    sentences = [rng.choice(SENTENCES).format(o=rng.choice(MATTERS), n=rng.randint(50, 2000), k=rng.randint(3, 120))
                 for _ in range(rng.randint(5, 10))]
    opening = rng.choice(OPENINGS).format(t=topic, m=rng.randint(1, 11))
    return opening + "；".join(sentences) + "。" + rng.choice(CLOSINGS)


def build_body(rng: random.Random, unit_name: str, topic: str, day: date) -> str:
    return f"{day.month}月{day.day}日，{unit_name}" + body_text(rng, topic)


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    """A time of day in the office's zone (UTC+8) as aware UTC."""
    return datetime.combine(day, time(hour, minute), timezone(timedelta(hours=8))).astimezone(timezone.utc)


class Writer:
    """Bulk inserts: COPY on PostgreSQL (an order of magnitude faster than INSERT for a million rows),
    executemany elsewhere. Rows carry explicit ids, so children can be written without reading back."""

    def __init__(self):
        self.connection = db.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.next_ids: dict[str, int] = {}

    def new_id(self, model) -> int:
        table = model.__table__.name
        if table not in self.next_ids:
            self.next_ids[table] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        self.next_ids[table] += 1
        return self.next_ids[table] - 1

    def write(self, model, rows: list[dict]) -> None:
        if not rows:
            return
        table = model.__table__
        # COPY knows nothing of the models' Python-side defaults: fill them in (cheap, once per batch)
        defaults = {column.name: column.default.arg if column.default.is_scalar else column.default.arg(None)
                    for column in table.columns if column.name not in rows[0] and column.default is not None}
        if defaults:
            rows = [{**defaults, **row} for row in rows]
        if not self.postgres:
            self.connection.execute(table.insert(), rows)
            return
        columns = list(rows[0])
        raw = self.connection.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_naive_utc(row[column]) for column in columns])

    def finish(self) -> None:
        """Sequences on PostgreSQL continue after the explicit ids; then VACUUM ANALYZE (outside the
        transaction), as autovacuum would in time: planner statistics and the visibility map that
        index-only scans need."""
        if self.postgres:
            for table in self.next_ids:
                self.connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        db.session.commit()
        if self.postgres:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        else:
            refresh_planner_statistics()  # as the score timer keeps them on a live SQLite site


def _naive_utc(value):
    # COPY bypasses the UTCDateTime column type, which stores naive UTC
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


OFFICE_NAME = "基准测试办公室"


def generate(database: str, size: str, year: int, seed: int = 7, if_empty: bool = False) -> dict:
    rng = random.Random(seed)
    text_rng = random.Random(seed + 1)  # its own stream: the text does not change the other figures
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": os.path.join(os.path.dirname(__file__), "out", "uploads"),
                      "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})
    spec = SIZES[size]
    years = list(range(year - spec["years"] + 1, year + 1))
    with app.app_context():
        upgrade()
        if if_empty and db.session.scalar(select(Unit.id).where(Unit.name == OFFICE_NAME)):
            return {"skipped": "a generated dataset is already there"}
        writer = Writer()
        tiers = [Tier(key=key, name=name, sort_order=i) for i, (key, name, _, _) in enumerate(TIERS)]
        office = Unit(name=OFFICE_NAME, kind="office")
        db.session.add_all([*tiers, office])
        db.session.flush()
        password = hash_password("x")
        editor = User(username="bench_editor", name="编辑", unit_id=office.id, password_hash=password,
                      role_rows=[UserRole(role="editor")])
        admin = User(username="bench_admin", name="管理员", unit_id=office.id, password_hash=password,
                     role_rows=[UserRole(role="admin")])
        db.session.add_all([editor, admin])
        db.session.flush()
        counts = {"units": 0, "items": 0, "adoptions": 0, "instructions": 0, "solicitations": 0, "answers": 0}

        units, users, roles, rates, names = [], [], [], [], {}
        for index in range(spec["units"]):
            share = rng.random()
            tier_index = 0 if share < 0.1 else 1 if share < 0.4 else 2 if share < 0.8 else 3
            kind, suffix = rng.choice(KINDS)
            unit_id = writer.new_id(Unit)
            names[unit_id] = f"{PLACES[index % len(PLACES)]}{suffix}{index + 1:04d}"
            units.append({"id": unit_id, "name": names[unit_id], "kind": kind, "parent_id": office.id,
                          "tier_id": tiers[tier_index].id, "active": True, "sort_order": index})
            rates.append(TIERS[tier_index][3])
            for prefix, role, title in (("r", "reporter", "信息员"), ("s", "signer", "审签人")):
                user_id = writer.new_id(User)
                users.append({"id": user_id, "username": f"{prefix}{index + 1}", "name": f"{title}{index + 1}",
                              "unit_id": unit_id, "password_hash": password, "active": True})
                roles.append({"user_id": user_id, "role": role})
        writer.write(Unit, units)
        writer.write(User, users)
        writer.write(UserRole, roles)
        counts["units"] = len(units)
        unit_ids = [unit["id"] for unit in units]
        reporters = {user["unit_id"]: user["id"] for user in users if user["username"].startswith("r")}
        channels = {c.key: c.id for c in db.session.scalars(select(Channel))}
        last_day = date(year, 11, 30)

        for current in years:
            start = date(current, 1, 1)
            open_from = last_day - timedelta(days=OPEN_DAYS) if current == year else None
            calls = _solicitations(rng, writer, current, unit_ids, editor.id)
            counts["solicitations"] += len(calls)
            # a few hundred units at a time keeps memory flat at province size
            for first in range(0, len(unit_ids), 300):
                block = list(zip(unit_ids[first:first + 300], rates[first:first + 300], strict=True))
                rows = _unit_year(rng, text_rng, writer, block, calls, start, open_from, names, reporters, channels, editor.id)
                for model, key in ((Item, "items"), (Adoption, "adoptions"), (Instruction, "instructions")):
                    writer.write(model, rows[key])
                    counts[key] += len(rows[key])
                counts["answers"] += rows["answers"]
        writer.finish()
        rebuild_search_index()  # the bulk inserts bypassed the session, whose flush keeps the index
        return counts


def _solicitations(rng, writer, current, unit_ids, editor_id) -> list[dict]:
    """Twice a month a notice to ~15 % of the units, due a week later at 17:00; most units open and sign it."""
    calls, targets = [], []
    for month in range(1, 12):
        for day in (5, 20):
            issued = at_local(date(current, month, day), 9)
            call = {"id": writer.new_id(Solicitation), "topic": f"关于报送{rng.choice(TOPICS)}情况的约稿",
                    "requirements": "请围绕主题，报送工作做法、成效和下一步打算，字数800字以内。",
                    "deadline": at_local(date(current, month, day + 7), 17), "status": "closed",
                    "issued_by_id": editor_id, "issued_at": issued, "updated_at": issued,
                    "units": rng.sample(unit_ids, max(1, len(unit_ids) * 15 // 100))}
            calls.append(call)
            for unit_id in call["units"]:
                opened = issued + timedelta(hours=rng.randint(1, 48)) if rng.random() < 0.95 else None
                targets.append({"solicitation_id": call["id"], "unit_id": unit_id, "opened_at": opened,
                                "acknowledged_at": opened + timedelta(minutes=30) if opened else None})
    writer.write(Solicitation, [{k: v for k, v in call.items() if k != "units"} for call in calls])
    writer.write(SolicitationTarget, targets)
    return calls


def _unit_year(rng, text_rng, writer, block, calls, start, open_from, names, reporters, channels, editor_id) -> dict:
    asked: dict[int, list[dict]] = {}
    for call in calls:
        for unit_id in call["units"]:
            asked.setdefault(unit_id, []).append(call)
    rows = {"items": [], "adoptions": [], "instructions": [], "answers": 0}
    days = (date(start.year, 11, 30) - start).days + 1  # the scoring period: 1 Jan to 30 Nov
    for unit_id, per_month in block:
        filed = [(start + timedelta(days=rng.randrange(days)), rng.choice(TOPICS), None)
                 for _ in range(int(per_month * 11 * rng.uniform(0.8, 1.2)))]
        for call in asked.get(unit_id, ()):
            if rng.random() < 0.8:  # answered; one in five after the deadline
                due = call["deadline"].astimezone(timezone(timedelta(hours=8))).date()
                filed.append((due - timedelta(days=rng.randint(0, 5)) if rng.random() < 0.8
                              else due + timedelta(days=rng.randint(1, 4)), call["topic"][4:-7], call))
        for day, topic, call in filed:
            rows["items"].append(_item(rng, text_rng, writer, unit_id, reporters[unit_id], names[unit_id], day, topic, call,
                                       open_from, channels, editor_id, rows))
            rows["answers"] += call is not None
    return rows


def _item(rng, text_rng, writer, unit_id, author_id, unit_name, day, topic, call, open_from, channels, editor_id, rows) -> dict:
    at = at_local(day, rng.randint(8, 17), rng.randint(0, 59))
    if open_from is not None and day >= open_from:
        status = rng.choices(["awaiting_signoff", "submitted", "in_review", "adopted", "not_adopted"],
                             [20, 40, 20, 10, 10])[0]
    else:
        status = rng.choices(["adopted", "not_adopted", "invalid"], [40, 55, 5])[0]
    item_id = writer.new_id(Item)
    item = {"id": item_id, "unit_id": unit_id, "author_id": author_id, "form_key": f"bench-{item_id}",
            "title": f"{unit_name}{topic}工作情况", "body": build_body(text_rng, unit_name, topic, day),
            "category": "work" if call else rng.choice(CATEGORIES), "major": False, "status": status,
            "submitted_at": None if status == "awaiting_signoff" else at, "created_at": at, "updated_at": at,
            "decision_note": "", "solicitation_id": call["id"] if call else None,
            "solicitation_verdict": rng.choices(["accepted", "rejected", "pending"], [70, 10, 20])[0] if call else None}
    if status == "adopted":
        _adopt(rng, writer, item_id, at, channels, editor_id, rows)
    return item


def _adopt(rng, writer, item_id, at, channels, editor_id, rows) -> None:
    on = at.date() + timedelta(days=rng.randint(1, 5))
    rows["adoptions"].append({"id": writer.new_id(Adoption), "item_id": item_id, "channel_id": channels["internal"],
                              "adopted_on": on, "recorded_by_id": editor_id, "recorded_at": at})
    if rng.random() < 0.15:
        rows["adoptions"].append({"id": writer.new_id(Adoption), "item_id": item_id,
                                  "channel_id": channels[rng.choice(UPPER)],
                                  "adopted_on": on + timedelta(days=rng.randint(1, 20)), "recorded_by_id": editor_id,
                                  "recorded_at": at})
    if rng.random() < 0.05:
        instructed = on + timedelta(days=rng.randint(1, 10))
        late = rng.random() < 0.2
        given = datetime.combine(instructed + timedelta(days=rng.randint(9, 15) if late else rng.randint(1, 7)),
                                 time(3), timezone.utc)
        rows["instructions"].append({
            "id": writer.new_id(Instruction), "item_id": item_id, "leader_name": "某领导", "rank": rng.choice(RANKS),
            "instructed_on": instructed, "text": "请总结推广。", "feedback_required": True,
            "feedback_due_at": datetime.combine(instructed + timedelta(days=8), time(15, 59), timezone.utc),
            "feedback_text": "已落实。", "feedback_at": given, "feedback_verdict": "accepted",
            "recorded_by_id": editor_id, "recorded_at": at,
        })


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("--database", required=True)
    parser.add_argument("--year", type=int, default=date.today().year)
    parser.add_argument("--if-empty", action="store_true", help="do nothing when a dataset was generated already")
    arguments = parser.parse_args()
    print(generate(arguments.database, arguments.size, arguments.year, if_empty=arguments.if_empty))
