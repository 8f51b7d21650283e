"""roster: units' leaders, sections and liaison officers; roster requests and the units' responses

Revision ID: 0004_roster
Revises: 0003_solicitations
Create Date: 2026-11-27 10:00:00

Written by hand; constraint names follow portal.extensions.NAMING_CONVENTION.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_roster"
down_revision = "0003_solicitations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rosters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("leader_name", sa.String(length=40), nullable=False),
        sa.Column("leader_position", sa.String(length=40), nullable=False),
        sa.Column("leader_mobile", sa.String(length=20), nullable=False),
        sa.Column("leader_phone", sa.String(length=30), nullable=False),
        sa.Column("leader_email", sa.String(length=120), nullable=False),
        sa.Column("section", sa.String(length=60), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_rosters_unit_id_units", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name="fk_rosters_updated_by_id_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_rosters"),
        sa.UniqueConstraint("unit_id", name="uq_rosters_unit_id"),
    )
    op.create_table(
        "roster_officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("position", sa.String(length=40), nullable=False),
        sa.Column("employment", sa.String(length=20), nullable=False),
        sa.Column("mobile", sa.String(length=20), nullable=False),
        sa.Column("office_phone", sa.String(length=30), nullable=False),
        sa.Column("email", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["roster_id"], ["rosters.id"], name="fk_roster_officers_roster_id_rosters",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_roster_officers"),
    )
    with op.batch_alter_table("roster_officers", schema=None) as batch_op:
        batch_op.create_index("ix_roster_officers_roster_id", ["roster_id"], unique=False)

    op.create_table(
        "roster_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("deadline_at", sa.DateTime(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name="fk_roster_requests_issued_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_roster_requests"),
    )
    op.create_table(
        "roster_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("responded_by_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["roster_requests.id"],
                                name="fk_roster_responses_request_id_roster_requests", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_roster_responses_unit_id_units",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["responded_by_id"], ["users.id"], name="fk_roster_responses_responded_by_id_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_roster_responses"),
        # Two columns: named by hand, as 0002 does for annual_targets (the convention names only the first).
        sa.UniqueConstraint("request_id", "unit_id", name="uq_roster_responses_request_unit"),
    )
    with op.batch_alter_table("roster_responses", schema=None) as batch_op:
        batch_op.create_index("ix_roster_responses_unit_id", ["unit_id"], unique=False)


def downgrade():
    with op.batch_alter_table("roster_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_responses_unit_id")
    op.drop_table("roster_responses")
    op.drop_table("roster_requests")
    with op.batch_alter_table("roster_officers", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_officers_roster_id")
    op.drop_table("roster_officers")
    op.drop_table("rosters")
