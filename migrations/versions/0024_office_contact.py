"""office contact: the office's 报送联系人 and phone, shown on every unit's dashboard

Revision ID: 0024_office_contact
Revises: 0023_event_features
Create Date: 2026-12-06 19:30:00

Written by hand. The 街道 notice ends with 信息报送联系方式: units must know whom to call about a report.
Set by the admin on the office's unit form; empty for every other unit.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_office_contact"
down_revision = "0023_event_features"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_name", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=40), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("contact_name")
