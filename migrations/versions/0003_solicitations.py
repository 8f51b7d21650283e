"""solicitations: notices with target units and their receipts, reporting priorities, and the items' link
to the solicitation they answer

Revision ID: 0003_solicitations
Revises: 0002_scoring
Create Date: 2026-11-26 18:00:00

Written by hand; constraint names follow portal.extensions.NAMING_CONVENTION. Runs beside
0003_roster (same parent); the suite upgrades to "heads".
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_solicitations"
down_revision = "0002_scoring"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "solicitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("contact_name", sa.String(length=40), nullable=False),
        sa.Column("room", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=100), nullable=False),
        sa.Column("by_phone", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name="fk_solicitations_issued_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_solicitations"),
    )
    op.create_index("ix_solicitations_status_deadline", "solicitations", ["status", "deadline"], unique=False)

    op.create_table(
        "solicitation_targets",
        sa.Column("solicitation_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["solicitation_id"], ["solicitations.id"],
                                name="fk_solicitation_targets_solicitation_id_solicitations", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_solicitation_targets_unit_id_units"),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["users.id"],
                                name="fk_solicitation_targets_acknowledged_by_id_users"),
        sa.PrimaryKeyConstraint("solicitation_id", "unit_id", name="pk_solicitation_targets"),
    )
    op.create_index("ix_solicitation_targets_unit_id", "solicitation_targets", ["unit_id"], unique=False)

    op.create_table(
        "reporting_priorities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"], name="fk_reporting_priorities_published_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_reporting_priorities"),
    )
    op.create_index("ix_reporting_priorities_published_at", "reporting_priorities", ["published_at"], unique=False)

    # On SQLite the new foreign key makes batch mode copy the items table; env.py turns foreign-key
    # enforcement off while migrating, so dropping the old copy does not cascade to photos and events.
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "solicitation_id", sa.Integer(),
            sa.ForeignKey("solicitations.id", name="fk_items_solicitation_id_solicitations"), nullable=True,
        ))
        batch_op.add_column(sa.Column("solicitation_verdict", sa.String(length=20), nullable=True))
        batch_op.create_index("ix_items_solicitation_id", ["solicitation_id"], unique=False)


def downgrade():
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_solicitation_id")
        batch_op.drop_column("solicitation_verdict")
        batch_op.drop_column("solicitation_id")
    op.drop_index("ix_reporting_priorities_published_at", table_name="reporting_priorities")
    op.drop_table("reporting_priorities")
    op.drop_index("ix_solicitation_targets_unit_id", table_name="solicitation_targets")
    op.drop_table("solicitation_targets")
    op.drop_index("ix_solicitations_status_deadline", table_name="solicitations")
    op.drop_table("solicitations")
