"""a score run's version: what pages derive from the stored run alone is kept under it

Revision ID: 0030_score_run_version
Revises: 0029_adoptions_by_item_and_day
Create Date: 2026-12-07 10:00:00

Written by hand. A random token drawn for every new run and again by every incremental update of its
unit scores; a server keeps the figures it derives from the run (the months' ranks of every unit, a
unit's ledger rows) under it. Runs stored before have none and are read as before until recomputed.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030_score_run_version"
down_revision = "0029_adoptions_by_item_and_day"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("score_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("score_runs", schema=None) as batch_op:
        batch_op.drop_column("version")
