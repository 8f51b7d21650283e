"""checks: items' event features (dates, numbers, people, places, rare words) replace the MinHash signatures; a
similar pair keeps what the two share; items by creation time

Revision ID: 0023_event_features
Revises: 0022_search_rare_han
Create Date: 2026-12-06 19:15:00

Written by hand. The near-duplicate check now compares events, not wording (portal.checks.events): its
candidates come from item_features. Every item's features are written here with the code the portal keeps
them with. Pairs stored by the earlier measure (shared wording) are dropped: each item's pairs are found
again when it is next saved or signed, and `flask checks-reindex` finds them for every item of the window.
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_event_features"
down_revision = "0022_search_rare_han"
branch_labels = None
depends_on = None

CHUNK = 2000


def upgrade():
    op.create_table(
        "item_features",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name="fk_item_features_item_id_items", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id", "key", name="pk_item_features"),
    )
    op.create_index("ix_item_features_key", "item_features", ["key", "item_id"])
    op.create_index("ix_items_created_at", "items", ["created_at"])
    op.drop_index("ix_signature_bands_key", table_name="signature_bands")
    op.drop_table("signature_bands")
    op.execute("DELETE FROM similarities")
    with op.batch_alter_table("similarities") as batch_op:
        batch_op.add_column(sa.Column("shared", sa.Text(), nullable=False, server_default="{}"))
    from portal.checks.events import extract

    connection = op.get_bind()
    items = sa.table("items", sa.column("id"), sa.column("title"), sa.column("body"))
    features = sa.table("item_features", sa.column("item_id"), sa.column("key"))
    ids = list(connection.scalars(sa.select(items.c.id).order_by(items.c.id)))
    for start in range(0, len(ids), CHUNK):
        rows = connection.execute(sa.select(items.c.id, items.c.title, items.c.body)
                                  .where(items.c.id.in_(ids[start:start + CHUNK]))).all()
        values = [{"item_id": item_id, "key": key}
                  for item_id, title, body in rows for key in extract(title + "\n" + body)]
        if values:
            connection.execute(sa.insert(features), values)


def downgrade():
    with op.batch_alter_table("similarities") as batch_op:
        batch_op.drop_column("shared")
    op.create_table(
        "signature_bands",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name="fk_signature_bands_item_id_items", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id", "band", name="pk_signature_bands"),
    )
    op.create_index("ix_signature_bands_key", "signature_bands", ["key"])
    op.drop_index("ix_items_created_at", table_name="items")
    op.drop_index("ix_item_features_key", table_name="item_features")
    op.drop_table("item_features")
