"""adoption edition: the locked edition that carried an adopted item

Revision ID: 0016_adoption_edition
Revises: 0015_follow_up_index
Create Date: 2026-12-06 18:50:00

Written by hand. Locking an edition used to re-date the item's adoption to the edition's day, which moved
points between months after bulletins had been figured. The adoption now keeps its date and names the
edition instead.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_adoption_edition"
down_revision = "0015_follow_up_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("adoptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edition_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_adoptions_edition_id_editions", "editions", ["edition_id"], ["id"],
                                    ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("adoptions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_adoptions_edition_id_editions", type_="foreignkey")
        batch_op.drop_column("edition_id")
