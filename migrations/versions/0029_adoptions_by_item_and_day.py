"""an item's adoptions with their day in the index: the 采用 of a window counted per unit off the index

Revision ID: 0029_adoptions_by_item_and_day
Revises: 0028_unit_items_by_update
Create Date: 2026-12-07 07:50:00

Written by hand. count_filings counts, for a unit's items, their adoptions dated in a window (the
dashboard's year, the ranking's and the score page's columns). With the item alone in the index every
adoption row was read for its day; PostgreSQL preferred to hash the unit's items and scan the year's
adoptions (3.7 ms a dashboard view on the city, 7 ms a ranking page). The wider index replaces the one on
the item alone.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029_adoptions_by_item_and_day"
down_revision = "0028_unit_items_by_update"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("adoptions", schema=None) as batch_op:
        batch_op.drop_index("ix_adoptions_item_id")
        batch_op.create_index("ix_adoptions_item_adopted", ["item_id", "adopted_on", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("adoptions", schema=None) as batch_op:
        batch_op.drop_index("ix_adoptions_item_adopted")
        batch_op.create_index("ix_adoptions_item_id", ["item_id"], unique=False)
