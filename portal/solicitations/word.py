"""约稿通知单 as a Word document: the same Notice objects (notice.build_notices) as the print page and
the PDF, one notice per page, without page numbers (a one-page form)."""
from ..word import LINE_PT, OfficialDocument


def build_notices_docx(notices: list) -> bytes:
    word = OfficialDocument(page_numbers=False)
    for index, notice in enumerate(notices):
        if index:
            word.page_break()
        word.paragraph(notice.heading, indent=False, role="title", size=22, align="center", space_after=LINE_PT)
        if notice.number:
            word.paragraph(notice.number, indent=False, align="center", space_after=LINE_PT / 2)
        word.paragraph(notice.addressee, indent=False)
        word.paragraph(notice.body)
        if notice.requirements:
            word.paragraph("约稿要求：")
            for line in notice.requirements.splitlines():
                if line.strip():
                    word.paragraph(line.strip())
        word.paragraph(notice.closing)
        if notice.contact:
            word.paragraph(notice.contact, space_before=LINE_PT)
        word.signature(notice.issuer, notice.date_line)
        if notice.by_phone:
            word.paragraph("（已电话约稿，此单为补录）", size=14, space_before=LINE_PT)
    if not notices:
        word.paragraph("没有可打印的约稿通知单")
    return word.to_bytes()


