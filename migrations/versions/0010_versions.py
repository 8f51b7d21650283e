"""versions: optimistic-lock counters on items and solicitations, so a save made on a stale page is refused

Revision ID: 0010_versions
Revises: 0007_bulletins
Create Date: 2026-11-27 03:20:00

Written by hand. Existing rows start at version 1, like new ones.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_versions"
down_revision = "0009_audit"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("solicitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("solicitations", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("version")
