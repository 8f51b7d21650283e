"""bulletin documents: a published bulletin's PDF, XLSX and DOCX, made once and kept

Revision ID: 0020_bulletin_documents
Revises: 0019_session_notice
Create Date: 2026-12-06 19:00:00

Written by hand; constraint names follow portal.extensions.NAMING_CONVENTION. A published bulletin is
frozen: its files are rendered at publishing and served as stored, byte for byte, ever after (a render
costs about a second of CPU and would differ in its metadata).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_bulletin_documents"
down_revision = "0019_session_notice"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bulletin_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bulletin_id"], ["bulletins.id"], name="fk_bulletin_documents_bulletin_id_bulletins",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_bulletin_documents"),
        # Two columns: named by hand (the convention names only the first).
        sa.UniqueConstraint("bulletin_id", "format", name="uq_bulletin_documents_bulletin_id_format"),
    )


def downgrade():
    op.drop_table("bulletin_documents")
