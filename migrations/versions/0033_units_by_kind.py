"""units by kind: the login check finds the office's version, and the dashboard the office's contact, off an index

Revision ID: 0033_units_by_kind
Revises: 0032_office_versions
Create Date: 2026-12-07 16:45:00

Written by hand. Every request's login check reads the first office's version; without an index it walked every
unit (a province's 3,000 on each request).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033_units_by_kind"
down_revision = "0032_office_versions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index("ix_units_kind_order", ["kind", "sort_order", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index("ix_units_kind_order")
