"""Generate a realistic dataset straight into a migrated database, fast (bulk inserts).

    python bench/generate.py city  --database sqlite:///bench/out/city.db

city: 300 units × one year ≈ 50,000 items; ~40% adopted by the office, some by upper offices,
a few percent with leader instructions and feedback. Deterministic for a given seed."""
import argparse
import os
import random
import sys
from datetime import date, datetime, time, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from portal import create_app  # noqa: E402
from portal.auth.models import User, UserRole  # noqa: E402
from portal.auth.services import hash_password  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.items.models import Item  # noqa: E402
from portal.scoring.models import Adoption, Channel, Instruction  # noqa: E402
from portal.search.services import rebuild_search_index  # noqa: E402
from portal.units.models import Tier, Unit  # noqa: E402

SIZES = {"city": {"units": 300, "years": 1}, "small": {"units": 30, "years": 1}}
# Tier: share of units, items filed per month (well above the seed's monthly quotas of 6/5/3/2)
TIERS = [("A", "一类单位", 0.1, 25), ("B", "二类单位", 0.3, 18), ("C", "三类单位", 0.4, 12), ("D", "四类单位", 0.2, 8)]
UPPER = ["gov_intranet", "gov_dynamic", "cpc_main", "gov_other", "cpc_research", "gov_special", "province", "state"]
RANKS = ["mayor", "vice_mayor", "cpc_secretary_general", "gov_deputy_secretary_general", "cpc_deputy_secretary"]
CATEGORIES = (["work"] * 40 + ["brief"] * 15 + ["experience"] * 10 + ["research"] * 10 + ["suggestion"] * 6
              + ["opinion"] * 7 + ["emergency"] * 3 + ["policy"] * 4)
TOPICS = ["垃圾分类入户宣传", "防汛应急演练", "消防安全隐患排查", "老旧小区改造议事", "文明城市创建志愿服务",
          "困难群众走访慰问", "医保政策宣传", "安全生产大检查", "退役军人政策宣讲", "营商环境优化座谈"]
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


def generate(database: str, size: str, year: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    text_rng = random.Random(seed + 1)  # its own stream: the text does not change the other figures
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": os.path.join(os.path.dirname(__file__), "out", "uploads"),
                      "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})
    spec = SIZES[size]
    with app.app_context():
        upgrade()
        tiers = [Tier(key=key, name=name, sort_order=i) for i, (key, name, _, _) in enumerate(TIERS)]
        office = Unit(name="基准测试办公室", kind="office")
        db.session.add_all([*tiers, office])
        db.session.flush()
        editor = User(username="bench_editor", name="编辑", unit_id=office.id, password_hash=hash_password("x"),
                      role_rows=[UserRole(role="editor")])
        db.session.add(editor)
        db.session.flush()
        units, rates = [], []
        for index in range(spec["units"]):
            share = rng.random()
            tier_index = 0 if share < 0.1 else 1 if share < 0.4 else 2 if share < 0.8 else 3
            units.append({"name": f"第{index + 1:04d}号单位", "kind": rng.choice(["community", "street", "department"]),
                          "parent_id": office.id, "tier_id": tiers[tier_index].id, "active": True, "sort_order": index})
            rates.append(TIERS[tier_index][3])
        db.session.execute(insert(Unit), units)
        unit_ids = list(db.session.scalars(select(Unit.id).where(Unit.kind != "office").order_by(Unit.id)))
        channels = {c.key: c.id for c in db.session.scalars(select(Channel))}
        start = date(year, 1, 1)
        days = 334 * spec["years"]  # the period: 1 Jan to 30 Nov
        items, serial = [], 0
        for unit_id, per_month in zip(unit_ids, rates, strict=True):
            for _ in range(int(per_month * 11 * spec["years"] * rng.uniform(0.8, 1.2))):
                serial += 1
                day = start + timedelta(days=rng.randrange(days))
                at = datetime.combine(day, time(rng.randint(1, 9), rng.randint(0, 59)), timezone.utc)
                verdict = rng.choices(["adopted", "not_adopted", "invalid", "in_review"], [40, 50, 5, 5])[0]
                topic = rng.choice(TOPICS)
                items.append({"unit_id": unit_id, "author_id": editor.id, "form_key": f"bench-{serial}",
                              "title": f"{topic}工作情况", "body": body_text(text_rng, topic),
                              "category": rng.choice(CATEGORIES),
                              "major": False, "status": verdict, "submitted_at": at, "created_at": at, "updated_at": at,
                              "decision_note": ""})
        for chunk in range(0, len(items), 5000):
            db.session.execute(insert(Item), items[chunk:chunk + 5000])
        adopted = db.session.execute(select(Item.id, Item.submitted_at).where(Item.status == "adopted")).all()
        adoptions, instructions = [], []
        for item_id, at in adopted:
            on = at.date() + timedelta(days=rng.randint(1, 5))
            adoptions.append({"item_id": item_id, "channel_id": channels["internal"], "adopted_on": on,
                              "recorded_by_id": editor.id, "recorded_at": at})
            if rng.random() < 0.15:
                adoptions.append({"item_id": item_id, "channel_id": channels[rng.choice(UPPER)],
                                  "adopted_on": on + timedelta(days=rng.randint(1, 20)), "recorded_by_id": editor.id,
                                  "recorded_at": at})
            if rng.random() < 0.05:
                instructed = on + timedelta(days=rng.randint(1, 10))
                given = datetime.combine(instructed + timedelta(days=rng.randint(1, 12)), time(3), timezone.utc)
                instructions.append({
                    "item_id": item_id, "leader_name": "某领导", "rank": rng.choice(RANKS), "instructed_on": instructed,
                    "text": "请总结推广。", "feedback_required": True,
                    "feedback_due_at": datetime.combine(instructed + timedelta(days=8), time(15, 59), timezone.utc),
                    "feedback_text": "已落实。", "feedback_at": given, "feedback_verdict": "accepted",
                    "recorded_by_id": editor.id, "recorded_at": at,
                })
        db.session.execute(insert(Adoption), adoptions)
        if instructions:
            db.session.execute(insert(Instruction), instructions)
        db.session.commit()
        rebuild_search_index()  # the bulk inserts bypassed the session, whose flush keeps the index
        return {"units": len(unit_ids), "items": len(items), "adoptions": len(adoptions),
                "instructions": len(instructions)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("--database", required=True)
    parser.add_argument("--year", type=int, default=date.today().year)
    arguments = parser.parse_args()
    print(generate(arguments.database, arguments.size, arguments.year))
