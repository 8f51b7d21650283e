"""An edition (刊物) as a Word document: the same 报头, 编者按, items by section, photos and 版记 as the PDF
(templates/pdf/edition.html), from the same context (views._reading_context)."""
from ..items.photos import photo_path
from ..web.filters import format_date
from ..word import LINE_PT, OfficialDocument
from .services import describe_number


def build_edition_docx(edition, groups, body_of, unit_of, compiled_by, recipients, masthead, internal_mark,
                       people) -> bytes:
    publication = edition.publication
    word = OfficialDocument()
    issued = format_date(edition.issued_on)
    if internal_mark:
        word.paragraph(internal_mark, indent=False, role="heiti", size=14)
    word.publication_header(masthead, describe_number(edition), compiled_by, issued, publication.print_count or None)
    if edition.editor_note:
        word.paragraph(f"编者按：{edition.editor_note}", role="kaiti")
    for group in groups:
        if group.name:
            word.paragraph(f"【{group.name}】", indent=False, role="heiti", space_before=LINE_PT, keep_with_next=True)
        for entry in group.entries:
            word.paragraph(entry.headline, indent=False, role="title", size=18, align="center",
                           space_before=LINE_PT, space_after=LINE_PT / 2, keep_with_next=True)
            paragraphs = [text.strip() for text in body_of(entry).splitlines() if text.strip()]
            for number, text in enumerate(paragraphs, start=1):
                # the last lines stay with the source line under them
                word.paragraph(text, keep_with_next=number == len(paragraphs))
            word.paragraph(f"（{unit_of(entry)}）", indent=False, align="right", right_indent=32)
            for photo in entry.item.photos:
                word.picture(photo_path(photo), 110, 46, photo.caption or "")  # as in the PDF
    word.colophon(recipients + ([people] if people else []) + [(compiled_by, f"{issued}印发")])
    return word.to_bytes()
