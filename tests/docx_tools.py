"""Read a real .docx back with python-docx: its body paragraphs and its tables' data rows, and check it
says what the PDF of the same document says."""
import shutil
import subprocess
import tempfile
from io import BytesIO
from pathlib import Path

import docx
from docx.oxml.ns import qn

from tests.pdf_tools import pdf_text


def squeezed(text: str) -> str:
    return "".join(text.replace("\u200b", "").split())


def read_docx(data: bytes):
    return docx.Document(BytesIO(data))


def docx_text(document) -> tuple[list[str], list[list[str]]]:
    """The non-empty body paragraphs, and each table's data rows (header rows, marked to repeat, left
    out; a cell merged down several rows counted once)."""
    paragraphs = [paragraph.text for paragraph in document.paragraphs if paragraph.text.strip()]
    rows = []
    for table in document.tables:
        for row in table.rows:
            properties = row._tr.trPr
            if properties is not None and properties.find(qn("w:tblHeader")) is not None:
                continue
            cells = []
            for cell in row._tr.tc_lst:
                merge = cell.tcPr.find(qn("w:vMerge")) if cell.tcPr is not None else None
                if merge is None or merge.get(qn("w:val")) == "restart":
                    cells.append("".join(node.text or "" for node in cell.iter(qn("w:t"))))
            rows.append(cells)
    return paragraphs, rows


def assert_says_what_the_pdf_says(docx_data: bytes, pdf_data: bytes) -> tuple[list[str], list[list[str]]]:
    """Every paragraph of the Word file is in the PDF's text, and every cell of its tables."""
    flat = squeezed(pdf_text(pdf_data))
    paragraphs, rows = docx_text(read_docx(docx_data))
    for paragraph in paragraphs:
        assert squeezed(paragraph) in flat, paragraph
    for row in rows:
        for cell in row:
            assert squeezed(cell) in flat, (cell, row)
    assert paragraphs
    return paragraphs, rows


def libreoffice_pdf(docx_data: bytes) -> bytes | None:
    """The .docx converted by LibreOffice (`soffice --headless --convert-to pdf`), or None where LibreOffice
    is not installed (it is not part of the set-up: too large for what it checks)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "document.docx"
        source.write_bytes(docx_data)
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", directory, str(source)],
                       capture_output=True, check=True, timeout=120)
        return (Path(directory) / "document.pdf").read_bytes()
