"""decided counts by category: the totals of each verdict kept per item category, for the inbox's lists filtered by one

Revision ID: 0035_decided_counts_by_category
Revises: 0034_decided_counts
Create Date: 2026-12-08 01:00:00

Written by hand. The inbox's tabs read the decided totals off decided_counts, but a list filtered by category
still counted its decided items live, up to COUNT_LIMIT index entries (the city's 已采用 and 工作动态: 18,700
entries read to count 10,001, 4 ms of PostgreSQL's time a view). The totals are now kept per status and category;
a tab adds its status's rows. The triggers follow a change of status or of category. As before, a pair without a
row matches nothing, so the triggers name no status: the rows do, one for every verdict and category (a category
added later comes with a migration that inserts its rows, counted), and one for any other category items carry.
"""
import importlib.util
import os

import sqlalchemy as sa
from alembic import op

revision = "0035_decided_counts_by_category"
down_revision = "0034_decided_counts"
branch_labels = None
depends_on = None

DECIDED = ("adopted", "not_adopted", "invalid")
CATEGORIES = ("brief", "work", "experience", "research", "suggestion", "opinion", "emergency", "policy")

SQLITE_TRIGGERS = [
    "CREATE TRIGGER decided_counts_insert AFTER INSERT ON items BEGIN"
    " UPDATE decided_counts SET total = total + 1 WHERE status = new.status AND category = new.category; END",
    "CREATE TRIGGER decided_counts_delete AFTER DELETE ON items BEGIN"
    " UPDATE decided_counts SET total = total - 1 WHERE status = old.status AND category = old.category; END",
    "CREATE TRIGGER decided_counts_update AFTER UPDATE OF status, category ON items"
    " WHEN old.status IS NOT new.status OR old.category IS NOT new.category BEGIN"
    " UPDATE decided_counts SET total = total - 1 WHERE status = old.status AND category = old.category;"
    " UPDATE decided_counts SET total = total + 1 WHERE status = new.status AND category = new.category; END",
]
POSTGRESQL_TRIGGERS = [
    "CREATE FUNCTION decided_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " IF TG_OP = 'TRUNCATE' THEN UPDATE decided_counts SET total = 0; RETURN NULL; END IF;"
    " IF TG_OP IN ('UPDATE', 'DELETE') THEN UPDATE decided_counts SET total = total - 1"
    " WHERE status = OLD.status AND category = OLD.category; END IF;"
    " IF TG_OP IN ('UPDATE', 'INSERT') THEN UPDATE decided_counts SET total = total + 1"
    " WHERE status = NEW.status AND category = NEW.category; END IF;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER decided_counts_insert_delete AFTER INSERT OR DELETE ON items"
    " FOR EACH ROW EXECUTE FUNCTION decided_counts_follow()",
    "CREATE TRIGGER decided_counts_update AFTER UPDATE OF status, category ON items FOR EACH ROW"
    " WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.category IS DISTINCT FROM NEW.category)"
    " EXECUTE FUNCTION decided_counts_follow()",
    "CREATE TRIGGER decided_counts_truncate AFTER TRUNCATE ON items"
    " FOR EACH STATEMENT EXECUTE FUNCTION decided_counts_follow()",
]


def _before():
    """The previous revision's module: its downgrade drops the triggers and the table (their names are the same
    in both revisions), its upgrade makes the per-status ones again."""
    path = os.path.join(os.path.dirname(__file__), "0034_decided_counts.py")
    spec = importlib.util.spec_from_file_location("decided_counts_per_status", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade():
    _before().downgrade()
    op.create_table(
        "decided_counts",
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", "category", name=op.f("pk_decided_counts")),
    )
    for statement in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRESQL_TRIGGERS}[op.get_bind().dialect.name]:
        op.execute(statement)
    # Counted after the triggers exist, in the same transaction (on PostgreSQL creating them locks items against
    # writes until the migration commits): every verdict and category, and any other category items carry.
    verdicts = ", ".join(f"'{status}'" for status in DECIDED)
    pairs = " UNION ".join(f"SELECT '{status}' AS status, '{category}' AS category"
                           for status in DECIDED for category in CATEGORIES)
    op.execute(f"INSERT INTO decided_counts (status, category, total) SELECT pairs.status, pairs.category,"
               f" (SELECT count(*) FROM items WHERE items.status = pairs.status AND items.category = pairs.category)"
               f" FROM ({pairs} UNION SELECT DISTINCT status, category FROM items WHERE status IN ({verdicts}))"
               " AS pairs")


def downgrade():
    previous = _before()
    previous.downgrade()  # the triggers and the table have the same names in both revisions
    previous.upgrade()
