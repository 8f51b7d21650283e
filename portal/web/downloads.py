"""The one way a generated file (PDF, spreadsheet, JSON) is sent: a server-made, Windows-safe file name,
Chinese carried as RFC 5987 filename*; no-store and nosniff come from portal.web.security."""
import os
import re
from io import BytesIO

from flask import send_file

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Characters Windows refuses in a file name, and controls (CR/LF would break the header): a bulletin's
# title or a solicitation's topic, typed by a user, may carry any of them.
UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\u2028\u2029]+')


def safe_filename(filename: str) -> str:
    stem, extension = os.path.splitext(filename)
    stem = UNSAFE_IN_FILENAME.sub("_", stem).strip(" ._")[:80] or "文件"
    return stem + UNSAFE_IN_FILENAME.sub("", extension)


def send_download(data: bytes, filename: str, mimetype: str, as_attachment: bool = True):
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=as_attachment,
                     download_name=safe_filename(filename))
