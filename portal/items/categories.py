"""The item categories (信息类别), the one table: the item form and pages, the audit log, and the scoring engine's
rule sets and quotas read it. Plain data, so the engine can use it without Flask or SQLAlchemy."""

CATEGORIES = {
    "brief": "简讯",
    "work": "工作动态",
    "experience": "经验做法",
    "research": "调研",
    "suggestion": "意见建议",
    "opinion": "舆情",
    "emergency": "突发/紧急",
    "policy": "政策法规",
}
