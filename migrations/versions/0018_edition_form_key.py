"""edition form key: the one-time key of the form that created a draft edition

Revision ID: 0018_edition_form_key
Revises: 0016_adoption_edition
Create Date: 2026-12-06 19:25:00

Written by hand. Three identical submits of 编发新一期 (a double tap, a retried request) made three drafts:
the form now carries a one-time key, as the item form does, and a replay finds the draft it made.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_edition_form_key"
down_revision = "0016_adoption_edition"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_key", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint("uq_editions_form_key", ["form_key"])


def downgrade():
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_editions_form_key", type_="unique")
        batch_op.drop_column("form_key")
