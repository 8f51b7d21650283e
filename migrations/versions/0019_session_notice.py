"""session notice: a one-time text (an initial password) kept on the server for the next page

Revision ID: 0019_session_notice
Revises: 0018_edition_form_key
Create Date: 2026-12-06 19:26:00

Written by hand. A new account's or a reset's random password travelled in the flash message, inside the
signed but unencrypted session cookie. It now waits on the admin's session row and is shown once.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_session_notice"
down_revision = "0018_edition_form_key"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_column("notice")
