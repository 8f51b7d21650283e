"""stored quotas: each unit's quota windows under way, stored with its score; the year's filings index covers lateness

Revision ID: 0025_stored_quotas
Revises: 0024_office_contact
Create Date: 2026-12-06 22:00:00

Written by hand. The unit dashboard, the busiest page of the hour before a deadline, ran the unit's
facts through the scoring engine on every view to show its quota windows; scoring now stores them (JSON)
beside the unit's totals, kept current by the same incremental update. Empty until the next run.

The ranking counts a page of units' filings in the year (scoring.services.count_filings), late ones too:
report_due_at in the index spares a read of each item's row (on SQLite past its long body).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_stored_quotas"
down_revision = "0024_office_contact"
branch_labels = None
depends_on = None


YEAR_INDEX = "ix_items_unit_submitted_status"


def _year_index(columns: list[str]) -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(YEAR_INDEX)
        batch_op.create_index(YEAR_INDEX, columns, unique=False)


def upgrade():
    with op.batch_alter_table("unit_scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quotas", sa.Text(), nullable=False, server_default=""))
    _year_index(["unit_id", "submitted_at", "status", "id", "report_due_at"])


def downgrade():
    _year_index(["unit_id", "submitted_at", "status", "id"])
    with op.batch_alter_table("unit_scores", schema=None) as batch_op:
        batch_op.drop_column("quotas")
