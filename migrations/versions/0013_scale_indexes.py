"""scale indexes: the office's item lists in submission order without sorting the whole table

Revision ID: 0013_scale_indexes
Revises: 0007_bulletins
Create Date: 2026-11-27 04:00:00

Written by hand. The inbox and the other office lists show items newest first (submitted_at, id):
with this index PostgreSQL reads the first page straight off it instead of sorting 1.5 million rows
(bench/score_province.py). Plain B-tree, the same on SQLite and PostgreSQL.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_scale_indexes"
down_revision = "0012_checks"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index("ix_items_submitted_id", ["submitted_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_submitted_id")
