"""``flask backup`` and ``flask restore``: the database and the uploaded files, together.

SQLite is copied online with the sqlite3 backup API, which reads one consistent snapshot while the
portal keeps serving (a plain file copy of a WAL database can catch a half-written state). The
uploads are copied after the database: a photo's files are written before its row is committed, so
every photo in the snapshot already has its files. PostgreSQL is dumped with pg_dump instead (see
docs/security.md, Backup and restore); the uploads are still copied here.
"""
import getpass
import hashlib
import json
import os
import shutil
import sqlite3
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from .audit.services import record_event
from .extensions import db, utcnow

MANIFEST = "manifest.json"
DATABASE_FILE = "portal.db"
UPLOADS = "uploads"


class BackupError(Exception):
    """A refusal worded in Chinese for the operator."""


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path() -> str | None:
    url = db.engine.url
    return url.database if url.get_backend_name() == "sqlite" else None


def _schema_revision() -> str | None:
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def _integrity(path: str) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def _copy_sqlite(source: str, target: str) -> None:
    """Page by page through the backup API; the source may be in use by the running portal."""
    source_db, target_db = sqlite3.connect(source, timeout=15), sqlite3.connect(target)
    try:
        source_db.backup(target_db)
    finally:
        target_db.close()
        source_db.close()


def _file_sums(folder: str) -> dict[str, str]:
    sums = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            sums[os.path.relpath(path, folder).replace(os.sep, "/")] = _sha256(path)
    return dict(sorted(sums.items()))


def create_backup(parent: str, now: datetime | None = None) -> str:
    """A new directory under `parent` holding the database, the uploads and a manifest; returns its path."""
    now = now or utcnow()
    target = os.path.join(parent, "backup-" + now.strftime("%Y%m%dT%H%M%S%fZ"))
    os.makedirs(target)
    revision = _schema_revision()
    db.session.rollback()  # hold no transaction of our own while the snapshot is read
    database = _sqlite_path()
    manifest = {"created_at": now.isoformat(), "schema_revision": revision,
                "database": "sqlite" if database else db.engine.url.get_backend_name()}
    if database:
        copy = os.path.join(target, DATABASE_FILE)
        _copy_sqlite(database, copy)
        if (result := _integrity(copy)) != "ok":
            raise BackupError(f"备份的数据库未通过完整性检查：{result}")
        manifest["database_sha256"] = _sha256(copy)
    shutil.copytree(current_app.config["UPLOAD_FOLDER"], os.path.join(target, UPLOADS))
    manifest["files"] = _file_sums(os.path.join(target, UPLOADS))
    manifest["file_count"] = len(manifest["files"])
    with open(os.path.join(target, MANIFEST), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2)
    return target


def verify_backup(path: str) -> dict:
    """The manifest, once every file it lists matches and the database passes integrity_check."""
    try:
        with open(os.path.join(path, MANIFEST), encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError):
        raise BackupError(f"{path} 不是有效的备份目录（缺少或无法读取 {MANIFEST}）") from None
    if manifest.get("database") == "sqlite":
        copy = os.path.join(path, DATABASE_FILE)
        if not os.path.exists(copy) or _sha256(copy) != manifest.get("database_sha256"):
            raise BackupError("备份中的数据库文件缺失或与清单不符，已停止恢复")
        if (result := _integrity(copy)) != "ok":
            raise BackupError(f"备份中的数据库未通过完整性检查：{result}")
    if _file_sums(os.path.join(path, UPLOADS)) != manifest.get("files"):
        raise BackupError("备份中的上传文件与清单不符（缺失、多出或内容被改动），已停止恢复")
    return manifest


def _newest_event(connection) -> str | None:
    return connection.execute("SELECT max(created_at) FROM audit_events").fetchone()[0]


def audit_loss(path: str) -> int:
    """How many audit events of the current database a restore of this backup would roll back: those
    newer than the backup's newest. The log is append-only; a restore is the one way back."""
    database = _sqlite_path()
    if database is None:
        return 0
    backup = sqlite3.connect(f"file:{os.path.join(path, DATABASE_FILE)}?mode=ro", uri=True)
    try:
        newest = _newest_event(backup)
    finally:
        backup.close()
    current = sqlite3.connect(database)
    try:
        query = "SELECT count(*) FROM audit_events" + (" WHERE created_at > ?" if newest else "")
        return current.execute(query, (newest,) if newest else ()).fetchone()[0]
    finally:
        current.close()


def restore_backup(path: str, force: bool = False) -> dict:
    """Replaces the database and the uploads with the backup's, and records who restored which backup.
    A backup older than the current audit log is refused unless forced: the events since would be lost."""
    manifest = verify_backup(path)
    database = _sqlite_path()
    if (manifest["database"] == "sqlite") != bool(database):
        raise BackupError("备份的数据库类型与当前配置不同，不能恢复")
    lost = audit_loss(path)
    if lost and not force:
        raise BackupError(f"该备份早于当前的审计日志：恢复将丢失 {lost} 条审计记录（append-only 日志的回退）。"
                          "确认要恢复请加 --force 再次运行。")
    manifest["audit_events_lost"] = lost
    if database:
        db.session.remove()
        db.engine.dispose()  # no pooled connection keeps reading the old pages
        _copy_sqlite(os.path.join(path, DATABASE_FILE), database)
        if (result := _integrity(database)) != "ok":
            raise BackupError(f"恢复后的数据库未通过完整性检查：{result}")
    uploads = current_app.config["UPLOAD_FOLDER"]
    shutil.rmtree(uploads, ignore_errors=True)
    shutil.copytree(os.path.join(path, UPLOADS), uploads)
    # After the copy, in the restored database: the restore itself is the first event of its new history.
    record_event(None, "backup.restore", None,
                 f"{_operator()}从备份 {os.path.basename(os.path.normpath(path))}（{manifest['created_at']}）恢复"
                 + (f"，回退了 {lost} 条审计记录" if lost else ""),
                 new={"backup": os.path.abspath(path), "created_at": manifest["created_at"],
                      "operator": _operator(), "audit_events_lost": lost})
    db.session.commit()
    return manifest


def _operator() -> str:
    """The system account that ran the command (sudo's caller first): a command has no portal user."""
    return os.environ.get("SUDO_USER") or getpass.getuser()


PG_DUMP_HINT = ("当前数据库是 PostgreSQL：数据库请用 pg_dump 备份、pg_restore 恢复（命令见 docs/security.md 的“Backup and restore”一节），"
                "本命令只处理上传的照片等文件。")


@click.command("backup")
@click.option("--to", "parent", default=None, help="备份存放目录（默认 instance/backups）")
@with_appcontext
def backup_command(parent: str | None) -> None:
    """在线备份数据库（SQLite）和上传文件到一个带时间戳的目录。"""
    parent = parent or os.path.join(current_app.instance_path, "backups")
    try:
        target = create_backup(parent)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    if _sqlite_path() is None:
        click.echo(PG_DUMP_HINT)
    with open(os.path.join(target, MANIFEST), encoding="utf-8") as handle:
        count = json.load(handle)["file_count"]
    click.echo(f"备份完成：{target}（上传文件 {count} 个）")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--yes", is_flag=True, help="确认用备份覆盖当前的数据库和上传文件")
@click.option("--force", is_flag=True, help="备份早于当前审计日志时仍然恢复（审计记录会回退）")
@with_appcontext
def restore_command(path: str, yes: bool, force: bool) -> None:
    """从 backup 生成的目录恢复数据库（SQLite）和上传文件，覆盖现有数据。"""
    if not yes:
        lost = audit_loss(path) if os.path.exists(os.path.join(path, DATABASE_FILE)) else 0
        raise click.ClickException("恢复会覆盖当前的数据库和全部上传文件" + (f"，并回退 {lost} 条审计记录" if lost else "")
                                   + "。确认无误后请加 --yes 再次运行。")
    try:
        manifest = restore_backup(path, force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    if manifest["database"] != "sqlite":
        click.echo(PG_DUMP_HINT)
    click.echo(f"恢复完成：{manifest['created_at']} 的备份，数据库版本 {manifest['schema_revision']}，"
               f"上传文件 {manifest['file_count']} 个，回退审计记录 {manifest['audit_events_lost']} 条（恢复已记入审计日志）。"
               "如代码比备份新，请再运行 flask --app wsgi db upgrade。")
