"""The migrations are the schema: they must build the same tables the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db, include_name


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_seed_the_channels(app):
    from portal.scoring.adoptions import get_channel

    assert get_channel("internal").name == "《高新信息》"
    assert get_channel("state").body == "state"
