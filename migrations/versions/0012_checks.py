"""checks: near-duplicate signatures and pairs, duplicate and 综合 verdicts, sensitive words, warning reviews

Revision ID: 0012_checks
Revises: 0007_bulletins
Create Date: 2026-11-27 04:00:00

Written by hand; constraint names follow portal.extensions.NAMING_CONVENTION.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_checks"
down_revision = "0011_search"
branch_labels = None
depends_on = None


def _item_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ["items.id"], name=f"fk_{table}_{column}_items", ondelete="CASCADE")


def upgrade():
    op.create_table(
        "signature_bands",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        _item_fk("signature_bands", "item_id"),
        sa.PrimaryKeyConstraint("item_id", "band", name="pk_signature_bands"),
    )
    op.create_index("ix_signature_bands_key", "signature_bands", ["key"])
    op.create_table(
        "similarities",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        _item_fk("similarities", "item_id"),
        _item_fk("similarities", "other_id"),
        sa.PrimaryKeyConstraint("item_id", "other_id", name="pk_similarities"),
    )
    op.create_index("ix_similarities_other_id", "similarities", ["other_id"])
    op.create_table(
        "duplicate_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("original_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("marked_by_id", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        _item_fk("duplicate_marks", "item_id"),
        _item_fk("duplicate_marks", "original_id"),
        sa.ForeignKeyConstraint(["marked_by_id"], ["users.id"], name="fk_duplicate_marks_marked_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_duplicate_marks"),
        sa.UniqueConstraint("item_id", name="uq_duplicate_marks_item_id"),
    )
    op.create_index("ix_duplicate_marks_original_id", "duplicate_marks", ["original_id"])
    op.create_table(
        "combinations",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("combined_into_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        _item_fk("combinations", "item_id"),
        _item_fk("combinations", "combined_into_id"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name="fk_combinations_recorded_by_id_users"),
        sa.PrimaryKeyConstraint("item_id", name="pk_combinations"),
    )
    op.create_index("ix_combinations_combined_into_id", "combinations", ["combined_into_id"])
    op.create_table(
        "sensitive_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=50), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name="fk_sensitive_words_created_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_sensitive_words"),
        sa.UniqueConstraint("word", name="uq_sensitive_words_word"),
    )
    op.create_table(
        "warning_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("warnings", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        _item_fk("warning_reviews", "item_id"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_warning_reviews_actor_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_warning_reviews"),
    )
    op.create_index("ix_warning_reviews_item", "warning_reviews", ["item_id", "at"])


def downgrade():
    for table in ("warning_reviews", "sensitive_words", "combinations", "duplicate_marks", "similarities",
                  "signature_bands"):
        op.drop_table(table)
