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
# Body text: sentences of the kinds items are made of, so text search is measured on realistic prose
# (two-character words such as 垃圾, 防汛, 疫情 occur in some items and not in others).
OPENINGS = ["为切实做好{t}工作，", "近日，我单位组织开展{t}活动，", "按照上级部署要求，{t}工作有序推进，",
            "{m}月以来，围绕{t}，"]
SENTENCES = ["社区党委书记带队深入居民小区，逐户走访了解群众诉求", "共发放宣传资料{n}份，现场解答群众咨询{k}人次",
             "组织志愿者{k}名参与垃圾分类桶边督导，居民投放准确率明显提升", "对辖区{k}处防汛重点部位开展拉网式排查",
             "及时清理积水点和排水管网，确保汛期安全", "严格落实疫情常态化防控要求，做好重点人群健康监测",
             "召开专题会议研究部署，明确责任分工和时间节点", "建立问题清单{k}项，已整改完成{n}项",
             "邀请区消防大队讲解火灾逃生和灭火器使用方法", "针对老旧小区电动车充电难问题，新增充电桩{k}个",
             "走访慰问困难群众和退役军人家庭{k}户，送去慰问金和生活物资", "会同市场监管部门检查餐饮门店{k}家",
             "开展安全生产隐患排查，发现并督促整改问题{k}处", "举办医保政策宣讲会，讲解门诊共济和异地就医备案",
             "召开营商环境座谈会，听取企业代表意见建议{k}条", "依托网格员队伍开展入户核查，做到不漏一户",
             "通过微信公众号和居民群推送政策解读{k}篇", "引导居民参与小区议事协商，形成共建共治共享格局"]
CLOSINGS = ["下一步，将持续巩固工作成效，建立长效机制。", "下一步，将进一步加大工作力度，确保各项任务落到实处。",
            "群众满意度和获得感不断提升。"]


def body_text(rng: random.Random, topic: str) -> str:
    sentences = [s.format(n=rng.randint(50, 2000), k=rng.randint(3, 120)) for s in rng.sample(SENTENCES, rng.randint(5, 10))]
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
        return {"units": len(unit_ids), "items": len(items), "adoptions": len(adoptions),
                "instructions": len(instructions)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("--database", required=True)
    parser.add_argument("--year", type=int, default=date.today().year)
    arguments = parser.parse_args()
    print(generate(arguments.database, arguments.size, arguments.year))
