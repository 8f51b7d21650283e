"""follow-up index: an item's follow-ups (续报) found by index

Revision ID: 0015_follow_up_index
Revises: 0014_unit_year_index
Create Date: 2026-11-27 08:50:00

Written by hand. Every item page lists the item's follow-ups (items.follow_up_of_id = the item): without an
index that was a scan of every item, 22 ms of the city's item page (48,509 items) and seconds at province size.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_follow_up_index"
down_revision = "0014_unit_year_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index("ix_items_follow_up_of_id", ["follow_up_of_id"], unique=False)


def downgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_follow_up_of_id")
