import time

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, select

from ..extensions import db, utcnow
from ..items.models import Item
from .models import ItemFeature
from .services import WINDOW, index_items


@click.command("checks-reindex")
@click.option("--features", "rewrite", is_flag=True, help="先按当前规则重写全部信息的特征 (every item's features anew)")
@with_appcontext
def checks_reindex_command(rewrite: bool) -> None:
    """为近期信息重新查找疑似重复（升级后运行一次）。

    Features of items that have none (with --features: of every item, after an upgrade that changed what is
    read from a text), then the similar items of every item saved within the check's window: after the upgrade
    that replaced the measure, or after a bulk load that bypassed the services."""
    started = time.perf_counter()
    if rewrite:
        db.session.execute(delete(ItemFeature))
    index_items(pairs=False)
    recent = list(db.session.scalars(select(Item.id).where(Item.created_at >= utcnow() - WINDOW)))
    index_items(recent, pairs=True, only_missing=False)
    db.session.commit()
    click.echo(f"疑似重复已重新查找 near-duplicates found again: {len(recent)} items, {time.perf_counter() - started:.1f} s")
