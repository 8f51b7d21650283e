"""notifications by url: a task done (an item signed, returned, withdrawn) marks its notices read by index

Revision ID: 0027_notification_url_index
Revises: 0026_status_category_index
Create Date: 2026-12-07 02:00:00

Written by hand. Marking the sign-off requests of an item read (notifications.services.mark_done) looked
for them by url and kind through every notice ever sent: a year of a city's notices on every sign-off,
inside the write transaction every other writer waits for.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027_notification_url_index"
down_revision = "0026_status_category_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_url", ["url"], unique=False)


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_url")
