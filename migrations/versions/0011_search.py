"""search: item_search (each item's text as index tokens) and its full-text index, filled from the items

Revision ID: 0011_search
Revises: 0007_bulletins
Create Date: 2026-11-27 04:00:00

Written by hand. On SQLite the index is an FTS5 table kept in step with item_search by triggers; on
PostgreSQL, GIN indexes over stored (generated) tsvector columns of the same tokens. The tokens come from portal.search.text
(pure Python), through portal.search.indexing, the code the portal itself keeps the rows with.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_search"
down_revision = "0010_versions"
branch_labels = None
depends_on = None

SQLITE_INDEX = [
    "CREATE VIRTUAL TABLE item_search_fts USING fts5(title, body, tails, content='item_search',"
    " content_rowid='item_id', tokenize='unicode61')",
    "CREATE TRIGGER item_search_fts_insert AFTER INSERT ON item_search BEGIN"
    " INSERT INTO item_search_fts (rowid, title, body, tails) VALUES (new.item_id, new.title, new.body, new.tails);"
    " END",
    "CREATE TRIGGER item_search_fts_delete AFTER DELETE ON item_search BEGIN"
    " INSERT INTO item_search_fts (item_search_fts, rowid, title, body, tails)"
    " VALUES ('delete', old.item_id, old.title, old.body, old.tails); END",
    "CREATE TRIGGER item_search_fts_update AFTER UPDATE ON item_search BEGIN"
    " INSERT INTO item_search_fts (item_search_fts, rowid, title, body, tails)"
    " VALUES ('delete', old.item_id, old.title, old.body, old.tails);"
    " INSERT INTO item_search_fts (rowid, title, body, tails) VALUES (new.item_id, new.title, new.body, new.tails);"
    " END",
]
# PostgreSQL: the tsvectors are stored, not recomputed per match from the tokens (an index over an expression
# still evaluates that expression for ts_rank on every match: 10.8 s for 10,337 matches of 垃圾 on the city data).
# STORAGE MAIN keeps them in the row (compressed) while the long token texts go out to TOAST, so a match's
# vector is read with its row, not through a second TOAST lookup.
POSTGRESQL_INDEX = [
    "ALTER TABLE item_search"
    " ADD COLUMN item_search_fts_text tsvector GENERATED ALWAYS AS"
    " (setweight(to_tsvector('simple', title), 'A') || to_tsvector('simple', body)) STORED,"
    " ADD COLUMN item_search_fts_tails tsvector GENERATED ALWAYS AS (to_tsvector('simple', tails)) STORED",
    "ALTER TABLE item_search ALTER COLUMN item_search_fts_text SET STORAGE MAIN,"
    " ALTER COLUMN item_search_fts_tails SET STORAGE MAIN",
    "CREATE INDEX item_search_fts_text_index ON item_search USING gin (item_search_fts_text)",
    "CREATE INDEX item_search_fts_tails_index ON item_search USING gin (item_search_fts_tails)",
]


def upgrade():
    op.create_table(
        "item_search",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tails", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_item_search_item_id_items"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_item_search")),
    )
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_INDEX, "postgresql": POSTGRESQL_INDEX}.get(dialect, []):
        op.execute(statement)
    from portal.search.indexing import index_items

    index_items(op.get_bind())


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE item_search_fts")  # its triggers go with item_search
    op.drop_table("item_search")
