"""score versions: what pages derive from the stored run, or from one unit's score, is kept under it

Revision ID: 0030_score_versions
Revises: 0029_adoptions_by_item_and_day
Create Date: 2026-12-07 10:00:00

Written by hand. A random token drawn for every new run and again by every incremental update of its
unit scores, and one per unit score drawn when that unit is scored; a server keeps the figures it derives
from the run (every unit's months, the tiers' ranks) or from one unit's facts (its ledger rows) under
them. Scores stored before have none and are read as before until recomputed.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030_score_versions"
down_revision = "0029_adoptions_by_item_and_day"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("score_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.String(length=32), nullable=True))
    with op.batch_alter_table("unit_scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("unit_scores", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("score_runs", schema=None) as batch_op:
        batch_op.drop_column("version")
