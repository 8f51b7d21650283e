"""decided counts: how many items carry each verdict, kept by triggers on items, for the inbox's tabs

Revision ID: 0034_decided_counts
Revises: 0033_units_by_kind
Create Date: 2026-12-07 18:30:00

Written by hand. The inbox counted every decided item on every view (up to COUNT_LIMIT a status: 20,000 index
entries of the city, 7 ms of PostgreSQL's time a view); the database now keeps the three totals itself. The
triggers update the row of the status an item leaves and of the one it enters, and a status without a row
matches nothing, so they name no status: the rows do. A later migration that rebuilds items on SQLite
(batch_alter_table's copy) drops the triggers with the old table and must create them again
(tests/items/test_decided_counts.py fails until it does).
"""
import sqlalchemy as sa
from alembic import op

revision = "0034_decided_counts"
down_revision = "0033_units_by_kind"
branch_labels = None
depends_on = None

DECIDED = ("adopted", "not_adopted", "invalid")

SQLITE_TRIGGERS = [
    "CREATE TRIGGER decided_counts_insert AFTER INSERT ON items BEGIN"
    " UPDATE decided_counts SET total = total + 1 WHERE status = new.status; END",
    "CREATE TRIGGER decided_counts_delete AFTER DELETE ON items BEGIN"
    " UPDATE decided_counts SET total = total - 1 WHERE status = old.status; END",
    "CREATE TRIGGER decided_counts_update AFTER UPDATE OF status ON items WHEN old.status IS NOT new.status BEGIN"
    " UPDATE decided_counts SET total = total - 1 WHERE status = old.status;"
    " UPDATE decided_counts SET total = total + 1 WHERE status = new.status; END",
]
POSTGRESQL_TRIGGERS = [
    "CREATE FUNCTION decided_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " IF TG_OP = 'TRUNCATE' THEN UPDATE decided_counts SET total = 0; RETURN NULL; END IF;"
    " IF TG_OP IN ('UPDATE', 'DELETE') THEN UPDATE decided_counts SET total = total - 1 WHERE status = OLD.status;"
    " END IF;"
    " IF TG_OP IN ('UPDATE', 'INSERT') THEN UPDATE decided_counts SET total = total + 1 WHERE status = NEW.status;"
    " END IF;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER decided_counts_insert_delete AFTER INSERT OR DELETE ON items"
    " FOR EACH ROW EXECUTE FUNCTION decided_counts_follow()",
    "CREATE TRIGGER decided_counts_update AFTER UPDATE OF status ON items"
    " FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION decided_counts_follow()",
    "CREATE TRIGGER decided_counts_truncate AFTER TRUNCATE ON items"
    " FOR EACH STATEMENT EXECUTE FUNCTION decided_counts_follow()",
]


def upgrade():
    op.create_table(
        "decided_counts",
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_decided_counts")),
    )
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRESQL_TRIGGERS}[dialect]:
        op.execute(statement)
    # Counted after the triggers exist, in the same transaction: on PostgreSQL creating them locks items against
    # writes until the migration commits, so no item is missed between the count and the first trigger.
    for status in DECIDED:
        op.execute(sa.text("INSERT INTO decided_counts (status, total)"
                           " SELECT :status, count(*) FROM items WHERE status = :status").bindparams(status=status))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER decided_counts_truncate ON items")
        op.execute("DROP TRIGGER decided_counts_update ON items")
        op.execute("DROP TRIGGER decided_counts_insert_delete ON items")
        op.execute("DROP FUNCTION decided_counts_follow()")
    else:
        for name in ("decided_counts_insert", "decided_counts_delete", "decided_counts_update"):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("decided_counts")
