"""bulletins: monthly, quarterly and yearly 通报, drafts and frozen published snapshots

Revision ID: 0007_bulletins
Revises: 0006_editions
Create Date: 2026-11-27 10:00:00

Written by hand; constraint names follow portal.extensions.NAMING_CONVENTION.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_bulletins"
down_revision = "0006_editions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("addressee", sa.String(length=100), nullable=False),
        sa.Column("preamble", sa.Text(), nullable=False),
        sa.Column("closing", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("number_year", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("doc_number", sa.String(length=60), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["corrects_id"], ["bulletins.id"], name="fk_bulletins_corrects_id_bulletins",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name="fk_bulletins_created_by_id_users"),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"], name="fk_bulletins_published_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_bulletins"),
        # Two columns: named by hand (the convention names only the first).
        sa.UniqueConstraint("number_year", "number", name="uq_bulletins_number_year_number"),
    )


def downgrade():
    op.drop_table("bulletins")
