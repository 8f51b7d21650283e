import time

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db, utcnow
from ..items.models import Item
from .services import WINDOW, index_items


@click.command("checks-reindex")
@with_appcontext
def checks_reindex_command() -> None:
    """为近期信息重新查找疑似重复（升级后运行一次）。

    Features of items that have none, then the similar items of every item saved within the check's window:
    after the upgrade that replaced the measure, or after a bulk load that bypassed the services."""
    started = time.perf_counter()
    index_items(pairs=False)
    recent = list(db.session.scalars(select(Item.id).where(Item.created_at >= utcnow() - WINDOW)))
    index_items(recent, pairs=True, only_missing=False)
    db.session.commit()
    click.echo(f"疑似重复已重新查找 near-duplicates found again: {len(recent)} items, {time.perf_counter() - started:.1f} s")
