"""office versions: what every unit's pages show alike of the office is kept under a token its changes draw again

Revision ID: 0032_office_versions
Revises: 0031_unit_items_versions
Create Date: 2026-12-07 15:40:00

Written by hand. Every office gets a version now, so a server keeps the office-wide parts from the first view
after the upgrade; from then on every transaction that writes a table those parts may read draws a new one
(portal/units/office.py).
"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032_office_versions"
down_revision = "0031_unit_items_versions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office_version", sa.String(length=32), nullable=True))
    op.execute(sa.text("UPDATE units SET office_version = :version WHERE kind = 'office'")
               .bindparams(version=secrets.token_hex(16)))


def downgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("office_version")
