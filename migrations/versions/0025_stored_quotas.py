"""stored quotas: each unit's quota windows under way, stored with its score

Revision ID: 0025_stored_quotas
Revises: 0024_office_contact
Create Date: 2026-12-06 22:00:00

Written by hand. The unit dashboard, the busiest page of the hour before a deadline, ran the unit's
facts through the scoring engine on every view to show its quota windows; scoring now stores them (JSON)
beside the unit's totals, kept current by the same incremental update. Empty until the next run.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_stored_quotas"
down_revision = "0024_office_contact"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("unit_scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quotas", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("unit_scores", schema=None) as batch_op:
        batch_op.drop_column("quotas")
