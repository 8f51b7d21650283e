"""unit year index: a unit's items of a year by status, read off the index

Revision ID: 0014_unit_year_index
Revises: 0013_scale_indexes
Create Date: 2026-11-27 08:00:00

Written by hand. The ranking's target columns count each listed unit's items of the year that are not
invalid: through ix_items_unit_status PostgreSQL fetched every row of the unit's three years to test the
date (0.1 s for a page of 100 province units); (unit_id, submitted_at, status, id) answers from the
index, the id for the join to adoptions.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_unit_year_index"
down_revision = "0013_scale_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index("ix_items_unit_submitted_status", ["unit_id", "submitted_at", "status", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_unit_submitted_status")
