"""A bulletin's files (PDF, spreadsheet, Word), from its figures alone. A draft's files are made on each
download; a published bulletin's are made once, at publishing, stored (BulletinDocument) and served as
stored ever after: it is frozen, so its files are too, byte for byte."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
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
    """At publishing: every file of the bulletin, made from its frozen figures and kept."""
    doc = bulletin.frozen
    for file_format in DOCUMENT_FORMATS:
        if _stored(bulletin, file_format) is None:
            db.session.add(BulletinDocument(bulletin_id=bulletin.id, format=file_format,
                                            data=build_bulletin_file(doc, file_format)))
    db.session.flush()


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
    data = build_bulletin_file(doc, file_format)
    try:
        with db.session.begin_nested():
            db.session.add(BulletinDocument(bulletin_id=bulletin.id, format=file_format, data=data))
    except IntegrityError:  # a parallel first download stored it first: serve that one
        return _stored(bulletin, file_format).data
    return data
