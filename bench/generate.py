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


def generate(database: str, size: str, year: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
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
                items.append({"unit_id": unit_id, "author_id": editor.id, "form_key": f"bench-{serial}",
                              "title": f"{rng.choice(TOPICS)}工作情况", "body": "……", "category": rng.choice(CATEGORIES),
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
