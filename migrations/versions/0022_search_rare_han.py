"""search: rare Han characters (Extensions B–J, 〇) are Han in the index; the rows holding them are rewritten

Revision ID: 0022_search_rare_han
Revises: 0020_bulletin_documents
Create Date: 2026-12-06 18:50:00

Written by hand. A data migration only: the tokenizer (portal.search.text) now keeps rare characters inside
their run (刘𬣙 → 刘x2c8d9), so rows written by the earlier one, where such a character stood apart, are
rewritten with the code the portal keeps the rows with. Downgrade leaves the rows: the earlier code still finds
what it found before except a rare character queried alone (the rows are rewritten again by the next upgrade).
"""
from alembic import op

revision = "0022_search_rare_han"
down_revision = "0020_bulletin_documents"
branch_labels = None
depends_on = None


def upgrade():
    from portal.search.indexing import index_rare_characters

    index_rare_characters(op.get_bind())


def downgrade():
    pass
