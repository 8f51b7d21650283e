"""editions: the office's publications, their editions and the items in each

Revision ID: 0006_editions
Revises: 0005_deliveries
Create Date: 2026-11-27 10:00:00

Written by hand; constraint names follow portal.extensions.NAMING_CONVENTION. Seeds one publication
on the office's own channel (internal), so a new installation can compile editions at once.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_editions"
down_revision = "0005_deliveries"
branch_labels = None
depends_on = None

DEFAULT_SECTIONS = "工作动态\n经验做法\n基层声音\n调研与建议"


def upgrade():
    publications = op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("numbering", sa.String(length=20), nullable=False),
        sa.Column("show_total", sa.Boolean(), nullable=False),
        sa.Column("total_start", sa.Integer(), nullable=False),
        sa.Column("compiled_by", sa.String(length=60), nullable=False),
        sa.Column("sections", sa.Text(), nullable=False),
        sa.Column("report_to", sa.String(length=300), nullable=False),
        sa.Column("send_to", sa.String(length=300), nullable=False),
        sa.Column("issue_to", sa.String(length=300), nullable=False),
        sa.Column("print_count", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], name="fk_publications_channel_id_channels"),
        sa.PrimaryKeyConstraint("id", name="pk_publications"),
        sa.UniqueConstraint("name", name="uq_publications_name"),
    )
    op.create_table(
        "editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("total_number", sa.Integer(), nullable=True),
        sa.Column("editor_note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("locked_by_id", sa.Integer(), nullable=True),
        sa.Column("locked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["publication_id"], ["publications.id"],
                                name="fk_editions_publication_id_publications"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name="fk_editions_created_by_id_users"),
        sa.ForeignKeyConstraint(["locked_by_id"], ["users.id"], name="fk_editions_locked_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_editions"),
        sa.UniqueConstraint("publication_id", "year", "number", name="uq_editions_publication_year_number"),
        sa.UniqueConstraint("publication_id", "total_number", name="uq_editions_publication_total_number"),
    )
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.create_index("ix_editions_publication_id", ["publication_id"], unique=False)
    op.create_table(
        "edition_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=30), nullable=False),
        sa.Column("headline", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("unit_name", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["edition_id"], ["editions.id"], name="fk_edition_entries_edition_id_editions",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name="fk_edition_entries_item_id_items"),
        sa.PrimaryKeyConstraint("id", name="pk_edition_entries"),
        sa.UniqueConstraint("edition_id", "item_id", name="uq_edition_entries_edition_item"),
    )
    with op.batch_alter_table("edition_entries", schema=None) as batch_op:
        batch_op.create_index("ix_edition_entries_item_id", ["item_id"], unique=False)

    channel = op.get_bind().execute(
        sa.text("SELECT id, name FROM channels WHERE key = 'internal'")
    ).first()
    if channel is not None:
        op.bulk_insert(publications, [{
            "name": channel.name, "channel_id": channel.id, "numbering": "yearly", "show_total": True,
            "total_start": 0, "compiled_by": "", "sections": DEFAULT_SECTIONS, "report_to": "街道党工委、办事处领导",
            "send_to": "区委办公室、区政府办公室", "issue_to": "各社区，机关各科室", "print_count": 60, "active": True,
        }])


def downgrade():
    with op.batch_alter_table("edition_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_edition_entries_item_id")
    op.drop_table("edition_entries")
    with op.batch_alter_table("editions", schema=None) as batch_op:
        batch_op.drop_index("ix_editions_publication_id")
    op.drop_table("editions")
    op.drop_table("publications")
