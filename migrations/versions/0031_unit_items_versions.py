"""unit items versions: a unit's own lists and counts are kept under a token its item changes draw again

Revision ID: 0031_unit_items_versions
Revises: 0030_score_versions
Create Date: 2026-12-07 13:00:00

Written by hand. Every unit gets a version now (one token for all: the key that keeps an answer holds the
unit's id beside it), so a server keeps a unit's lists from the first view after the upgrade; from then on
every transaction that changes a unit's items or their photos draws that unit a new one.
"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031_unit_items_versions"
down_revision = "0030_score_versions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("items_version", sa.String(length=32), nullable=True))
    op.execute(sa.text("UPDATE units SET items_version = :version").bindparams(version=secrets.token_hex(16)))


def downgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("items_version")
