"""A bulletin's files (PDF, spreadsheet, Word), from its figures alone. A draft's files are made on each
download; a published bulletin's are made once, at publishing, stored (BulletinDocument) and served as
stored ever after: it is frozen, so its files are too, byte for byte."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db, without_write_lock
from ..pdf import render_pdf
from .export import build_bulletin_workbook
from .models import DOCUMENT_FORMATS, Bulletin, BulletinDocument
from .table import MISSED_DETAIL_MAX, print_header, ranking_columns, ranking_layout, ranking_tables, tier_heading
from .word import build_bulletin_docx


def render_bulletin_pdf(doc: dict) -> bytes:
    """The 通报 as the office prints it (GB/T 9704): 版头, 发文字号, title, body with the ranking table,
    成文日期, 版记."""
    columns = ranking_columns(doc)
    tables = ranking_tables(doc, columns)
    grid, lines = ranking_layout(columns, tables)
    return render_pdf("pdf/bulletin.html", doc=doc, header=print_header(columns), grid=grid,
                      tables=[(tier_heading(number, table.tier) if table.tier else None, table_lines, table.totals)
                              for number, (table, table_lines) in enumerate(zip(tables, lines), start=1)],
                      missed_detail_max=MISSED_DETAIL_MAX)


def build_bulletin_file(doc: dict, file_format: str) -> bytes:
    if file_format == "pdf":
        return render_bulletin_pdf(doc)
    if file_format == "xlsx":
        return build_bulletin_workbook(doc)
    return build_bulletin_docx(doc)


def _stored(bulletin: Bulletin, file_format: str) -> BulletinDocument | None:
    return db.session.scalar(select(BulletinDocument).where(BulletinDocument.bulletin_id == bulletin.id,
                                                            BulletinDocument.format == file_format))


def store_bulletin_documents(bulletin: Bulletin) -> None:
    """Right after publishing, the bulletin committed: every file of the bulletin, made from its frozen figures
    and kept. Made with no transaction open: a yearly bulletin's PDF takes seconds of CPU, which SQLite's
    write lock, held by a publishing transaction, would make every filing, signing and login of the office wait."""
    missing = [file_format for file_format in DOCUMENT_FORMATS if _stored(bulletin, file_format) is None]
    with without_write_lock():
        files = {file_format: build_bulletin_file(bulletin.frozen, file_format) for file_format in missing}
    for file_format, data in files.items():
        _keep(bulletin, file_format, data)


def _keep(bulletin: Bulletin, file_format: str, data: bytes) -> bytes:
    """The file stored, or the one a parallel request (a first download, a retried publish) stored first."""
    try:
        with db.session.begin_nested():
            db.session.add(BulletinDocument(bulletin_id=bulletin.id, format=file_format, data=data))
    except IntegrityError:
        return _stored(bulletin, file_format).data
    return data


def read_bulletin_file(bulletin: Bulletin, doc: dict, file_format: str) -> bytes:
    """The file to download (doc: services.read_bulletin): a draft's made now; a published bulletin's as
    stored. A bulletin published
    before its files were kept (or by the demo) gets them made and stored on the first download, so
    every later download is the same bytes; the view commits."""
    if not bulletin.is_published:
        return build_bulletin_file(doc, file_format)
    stored = _stored(bulletin, file_format)
    if stored is not None:
        return stored.data
    return _keep(bulletin, file_format, build_bulletin_file(doc, file_format))
