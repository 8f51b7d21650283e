"""Editions (刊物编发) through the real routes: compile, order, edit headlines, lock; numbering; the
adoption each locked edition records for scoring; who sees what."""
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.editions.models import Edition, EditionEntry, Publication
from portal.extensions import db
from portal.scoring.models import Adoption
from tests.conftest import jpeg_bytes
from tests.solicitations.helpers import client_for, errors_of, notices, office_today
from tests.photo_tools import store_photo


def publication() -> Publication:
    """The publication the migration seeds on the office's own channel."""
    return db.session.scalar(select(Publication).order_by(Publication.id))


def adopted(make, world, title=None, author=None, signer=None):
    fields = {"title": title} if title else {}
    return make.item(author or world.reporter, "adopted", signer=signer or world.signer, editor=world.editor, **fields)


def new_edition(editor, day=None) -> Edition:
    response = editor.post("/editions/new", data={"publication_id": str(publication().id),
                                                  "issued_on": (day or office_today()).isoformat()})
    assert response.status_code == 302, errors_of(response.get_data(as_text=True))
    db.session.expire_all()
    return db.session.scalar(select(Edition).order_by(Edition.id.desc()))


def add(editor, edition, items, section=""):
    response = editor.post(f"/editions/{edition.id}/entries",
                           data={"item_ids": [str(item.id) for item in items], "section": section})
    assert response.status_code == 302, errors_of(response.get_data(as_text=True))
    db.session.expire_all()


def entries(edition) -> list[EditionEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(EditionEntry).where(EditionEntry.edition_id == edition.id)
                                   .order_by(EditionEntry.position, EditionEntry.id)))


def lock(editor, edition):
    return editor.post(f"/editions/{edition.id}/lock", data={"confirmed": "1"}, follow_redirects=True).get_data(as_text=True)


@pytest.mark.calendar
def test_an_editor_compiles_and_locks_an_edition(app, make, world):
    first = adopted(make, world, "幸福社区开展冬季消防安全大排查")
    second = adopted(make, world, "和平社区建成老年助餐点", world.other_reporter, world.other_signer)
    draft_item = make.item(world.reporter, "submitted", signer=world.signer)
    editor = client_for(app, world.editor)
    edition = new_edition(editor)

    page = editor.get(f"/editions/{edition.id}").get_data(as_text=True)
    assert "选编已采用的信息" in page and first.title in page and second.title in page
    assert draft_item.title not in page  # only adopted items are offered
    add(editor, edition, [first], "工作动态")
    add(editor, edition, [second], "经验做法")
    lines = entries(edition)
    assert [(e.item_id, e.section, e.headline) for e in lines] == [
        (first.id, "工作动态", first.title), (second.id, "经验做法", second.title)]
    page = editor.get(f"/editions/{edition.id}").get_data(as_text=True)
    assert "没有可编入的已采用信息" in page  # both are in now

    editor.post(f"/editions/{edition.id}/entries/save",
                data={f"headline-{lines[0].id}": "幸福社区织密冬季消防安全网", f"section-{lines[0].id}": "工作动态"})
    editor.post(f"/editions/{edition.id}/settings",
                data={"issued_on": office_today().isoformat(), "editor_note": "基层经验值得推广。"})
    preview = editor.get(f"/editions/{edition.id}/preview").get_data(as_text=True)
    assert "幸福社区织密冬季消防安全网" in preview and "编者按：" in preview and "尚未定版" in preview
    assert preview.index("【工作动态】") < preview.index("【经验做法】")

    page = lock(editor, edition)
    assert f"已定版：《高新信息》{office_today().year}年第1期（总第1期）" in page
    db.session.expire_all()
    edition = db.session.get(Edition, edition.id)
    assert (edition.status, edition.year, edition.number, edition.total_number) == (
        "locked", office_today().year, 1, 1)
    assert [e.body for e in edition.entries] == [first.display_body, second.display_body]
    assert [e.unit_name for e in edition.entries] == ["幸福社区", "和平社区"]
    # each item's adoption on the office's channel names the edition
    adoptions = db.session.scalars(select(Adoption).where(Adoption.item_id.in_([first.id, second.id]))).all()
    assert {(a.item_id, a.channel.key, a.adopted_on, a.edition_id) for a in adoptions} == {
        (first.id, "internal", office_today(), edition.id), (second.id, "internal", office_today(), edition.id)}
    # the units are told
    assert f"《高新信息》{office_today().year}年第1期（总第1期）已编发，刊登本单位《幸福社区织密冬季消防安全网》" in notices(world.signer)
    assert any("《和平社区建成老年助餐点》" in text for text in notices(world.other_reporter))


def test_a_locked_edition_does_not_change(app, make, world):
    item = adopted(make, world)
    editor = client_for(app, world.editor)
    edition = new_edition(editor)
    add(editor, edition, [item])
    lock(editor, edition)
    [entry] = entries(edition)
    body = entry.body
    for url, data in ((f"/editions/{edition.id}/entries/save", {f"headline-{entry.id}": "改"}),
                      (f"/editions/entries/{entry.id}/remove", {}),
                      (f"/editions/{edition.id}/settings", {"issued_on": office_today().isoformat(), "editor_note": "x"}),
                      (f"/editions/{edition.id}/delete", {})):
        page = editor.post(url, data=data, follow_redirects=True).get_data(as_text=True)
        assert "本期已定版，不能再修改" in page, url
    # the editor edits the item afterwards: the locked edition keeps its text
    item.edited_body = "编辑后来改过的正文。"
    db.session.commit()
    [entry] = entries(edition)
    assert entry.body == body and entry.headline == item.title
    page = client_for(app, world.reporter).get(f"/editions/{edition.id}").get_data(as_text=True)
    assert body.splitlines()[0] in page and "编辑后来改过的正文" not in page


@pytest.mark.calendar
def test_numbering_restarts_each_year_and_keeps_the_running_total(app, make, world):
    pub = publication()
    pub.total_start = 122
    db.session.commit()
    editor = client_for(app, world.editor)
    today = office_today()
    last_year = date(today.year - 1, 12, 30)
    numbers = []
    for day in (last_year, today, today):
        edition = new_edition(editor, day)
        add(editor, edition, [adopted(make, world)])
        lock(editor, edition)
        db.session.expire_all()
        edition = db.session.get(Edition, edition.id)
        numbers.append((edition.year, edition.number, edition.total_number))
    assert numbers == [(today.year - 1, 1, 123), (today.year, 1, 124), (today.year, 2, 125)]
    listing = client_for(app, world.viewer).get("/editions").get_data(as_text=True)
    assert f"{today.year}年第2期（总第125期）" in listing
    # running numbering shows only the total
    pub = publication()
    pub.numbering = "running"
    db.session.commit()
    assert "总第125期" in client_for(app, world.viewer).get("/editions").get_data(as_text=True)
    assert f"{today.year}年第2期" not in client_for(app, world.viewer).get("/editions").get_data(as_text=True)


def test_order_moves_within_a_section_and_items_can_be_removed(app, make, world):
    items = [adopted(make, world, f"社区工作{n}") for n in range(3)]
    editor = client_for(app, world.editor)
    edition = new_edition(editor)
    add(editor, edition, items, "工作动态")
    lines = entries(edition)
    editor.post(f"/editions/entries/{lines[2].id}/move/up")
    assert [e.item_id for e in entries(edition)] == [items[0].id, items[2].id, items[1].id]
    editor.post(f"/editions/entries/{lines[0].id}/move/up")  # already first: nothing happens
    assert [e.item_id for e in entries(edition)] == [items[0].id, items[2].id, items[1].id]
    editor.post(f"/editions/entries/{lines[1].id}/remove")
    assert [e.item_id for e in entries(edition)] == [items[0].id, items[2].id]
    # the removed item is offered again
    assert items[1].title in editor.get(f"/editions/{edition.id}").get_data(as_text=True)


def test_items_of_a_locked_edition_are_not_offered_again(app, make, world):
    item = adopted(make, world, "已经编发过的信息")
    editor = client_for(app, world.editor)
    edition = new_edition(editor)
    add(editor, edition, [item])
    lock(editor, edition)
    second = new_edition(editor)
    assert "已经编发过的信息" not in editor.get(f"/editions/{second.id}").get_data(as_text=True)
    # a forged add of it is skipped
    page = editor.post(f"/editions/{second.id}/entries", data={"item_ids": [str(item.id)], "section": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "所选信息已编入或已不能编入" in page and entries(second) == []


@pytest.mark.calendar
@pytest.mark.parametrize("url_part, data, message", [
    ("settings", {"issued_on": "", "editor_note": ""}, "请填写编发日期"),
    ("settings", {"issued_on": "2999-01-01", "editor_note": ""}, "编发日期的年份不合理"),
    ("settings", {"issued_on": "1999-12-31", "editor_note": ""}, "编发日期的年份不合理"),
    ("settings", {"issued_on": "TODAY", "editor_note": "长" * 2001}, "编者按不超过2000个字"),
    ("entries", {"section": ""}, "请勾选要编入本期的信息"),
    ("entries", {"item_ids": ["ITEM"], "section": "没有这个栏目"}, "请选择本刊物的栏目"),
])
def test_bad_input_is_refused_at_the_field_and_kept(app, make, world, url_part, data, message):
    item = adopted(make, world)
    editor = client_for(app, world.editor)
    edition = new_edition(editor)
    data = {key: ([str(item.id)] if value == ["ITEM"] else office_today().isoformat() if value == "TODAY" else value)
            for key, value in data.items()}
    response = editor.post(f"/editions/{edition.id}/{url_part}", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    if data.get("editor_note"):
        assert data["editor_note"] in page  # what was typed is kept
    assert entries(edition) == []


def test_locking_needs_items_and_each_still_adopted(app, make, world):
    item = adopted(make, world, "后来被改判的信息")
    editor = client_for(app, world.editor)
    edition = new_edition(editor)
    assert "本期还没有编入信息，不能定版" in lock(editor, edition)
    add(editor, edition, [item])
    item.status = "not_adopted"
    db.session.commit()
    assert "《后来被改判的信息》已不是“已采用”状态，请移出后再定版" in lock(editor, edition)
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).status == "draft"


def test_drafts_are_the_editors_and_locked_editions_everyones(app, make, world):
    item = adopted(make, world)
    photo_item = adopted(make, world, "带照片的信息", world.other_reporter, world.other_signer)
    photo = store_photo(FileStorage(io.BytesIO(jpeg_bytes((40, 30))), filename="现场.jpg"),
                        world.other_reporter.id, photo_item.form_key, photo_item.id, 0)
    db.session.commit()
    editor = client_for(app, world.editor)
    edition = new_edition(editor)
    add(editor, edition, [item, photo_item])
    reporter = client_for(app, world.reporter)
    assert reporter.get(f"/editions/{edition.id}").status_code == 404
    assert client_for(app, world.viewer).get(f"/editions/{edition.id}").status_code == 404
    assert "编辑中" not in reporter.get("/editions").get_data(as_text=True)
    # another unit's photo is not the reporter's to see until the edition is locked
    assert reporter.get(f"/photos/{photo.id}/thumb").status_code == 404
    lock(editor, edition)
    page = reporter.get(f"/editions/{edition.id}").get_data(as_text=True)
    assert "带照片的信息" in page and f"/photos/{photo.id}/thumb" in page
    response = reporter.get(f"/photos/{photo.id}/thumb")
    response.close()  # a sent photo holds its file open until closed
    assert response.status_code == 200
    assert re.search(r"《高新信息》\s*\d{4}年第1期", reporter.get("/editions").get_data(as_text=True))


def test_admin_configures_publications(app, world):
    admin = client_for(app, world.admin)
    page = admin.get("/admin/publications").get_data(as_text=True)
    assert "《高新信息》" in page and "每年从第1期起编号" in page
    data = {"name": "专报信息", "channel_id": str(publication().channel_id), "numbering": "running",
            "total_start": "40", "compiled_by": "城南街道党政办公室", "sections": "专报\n", "report_to": "区委、区政府领导",
            "send_to": "", "issue_to": "", "print_count": "20", "active": "y"}
    bad = admin.post("/admin/publications/new", data=data | {"print_count": "很多", "name": "《高新信息》"})
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "请填写0至100000之间的整数" in text or "不是有效的整数" in text
    assert admin.post("/admin/publications/new", data=data | {"name": "《高新信息》"}).status_code == 200
    assert "已有同名刊物" in admin.post("/admin/publications/new", data=data | {"name": "《高新信息》"}).get_data(as_text=True)
    assert admin.post("/admin/publications/new", data=data).status_code == 302
    created = db.session.scalar(select(Publication).where(Publication.name == "专报信息"))
    assert (created.numbering, created.total_start, created.section_list, created.print_count) == (
        "running", 40, ["专报"], 20)
    foreign = admin.post(f"/admin/publications/{created.id}/edit", data=data | {"channel_id": "99999"})
    assert "请选择本办的采用载体" in foreign.get_data(as_text=True)


def test_locking_an_edition_keeps_the_adoption_date_and_names_the_edition(app, make, world, clock):
    # Locking used to re-date the adoption to the edition's day, moving points between months.
    item = adopted(make, world)
    adopted_on = office_today()
    clock.shift(timedelta(days=9))
    editor = client_for(app, world.editor)
    edition = new_edition(editor, office_today())
    add(editor, edition, [item])
    lock(editor, edition)
    db.session.expire_all()
    assert [(a.adopted_on, a.edition_id) for a in db.session.scalars(
        select(Adoption).where(Adoption.item_id == item.id))] == [(adopted_on, edition.id)]


def test_the_edition_pdf_has_the_seed_forms_header_items_and_colophon(app, make, world, caplog):
    from tests.pdf_tools import A4, MM, page_size, pdf_fonts, pdf_text, word_boxes

    first = adopted(make, world, "幸福社区开展冬季消防安全大排查")
    second = adopted(make, world, "和平社区建成老年助餐点", world.other_reporter, world.other_signer)
    photo = store_photo(FileStorage(io.BytesIO(jpeg_bytes((400, 300))), filename="现场.jpg"),
                        world.other_reporter.id, second.form_key, second.id, 0)
    photo.caption = "老年助餐点开业现场"
    db.session.commit()
    editor = client_for(app, world.editor)
    edition = new_edition(editor)
    add(editor, edition, [first], "工作动态")
    add(editor, edition, [second], "经验做法")
    editor.post(f"/editions/{edition.id}/settings",
                data={"issued_on": office_today().isoformat(), "editor_note": "基层经验值得推广。"})
    lock(editor, edition)

    response = client_for(app, world.other_signer).get(f"/editions/{edition.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    # WeasyPrint only logs a style it cannot parse (e.g. a font stack escaped as HTML): none here
    assert [r.getMessage() for r in caplog.records if r.name == "weasyprint" and r.levelno >= 30] == []
    data = response.get_data()
    text = pdf_text(data)
    today = office_today()
    # The 报头 shows the name alone (a masthead has no 书名号), under the office's 内部资料 mark.
    assert "《高新信息》" not in text and text.index("内部资料") < text.index("高新信息")
    for words in ("高新信息", f"{today.year}年第1期（总第1期）", "编发：城南街道党政办公室", "共印60份",
                  f"{today.year}年{today.month}月{today.day}日", "编者按：基层经验值得推广。", "【工作动态】",
                  "【经验做法】", "幸福社区开展冬季消防安全大排查", "（幸福社区）", "老年助餐点开业现场",
                  "报：街道党工委、办事处领导", "发：各社区，机关各科室", "印发"):
        assert words in text.replace(" ", ""), words
    assert text.index("【工作动态】") < text.index("【经验做法】")
    assert page_size(data) == pytest.approx(A4, abs=1)
    assert any(font.embedded and "CJK" in font.name for font in pdf_fonts(data))
    # the text block starts at the binding margin (28 mm)
    name = next(box for box in word_boxes(data) if "编者按" in box.word)
    assert name.x_min == pytest.approx(28 * MM + 2 * 16, abs=3)  # indented two characters
    # a draft is not for the units
    second_edition = new_edition(editor)
    assert client_for(app, world.reporter).get(f"/editions/{second_edition.id}.pdf").status_code == 404


def test_a_replayed_new_edition_form_makes_one_draft(app, world):
    editor = client_for(app, world.editor)
    page = editor.get("/editions/new").get_data(as_text=True)
    form_key = re.search(r'name="form_key" type="hidden" value="([^"]+)"|type="hidden" name="form_key" value="([^"]+)"|'
                         r'id="form_key" name="form_key" type="hidden" value="([^"]+)"', page)
    assert form_key, "the form carries a one-time key"
    key = next(group for group in form_key.groups() if group)
    data = {"publication_id": str(publication().id), "issued_on": office_today().isoformat(), "form_key": key}
    locations = {editor.post("/editions/new", data=data).headers["Location"] for _ in range(3)}
    assert db.session.scalar(select(func.count(Edition.id))) == 1
    assert len(locations) == 1
    # Another opening of the form is another edition.
    other = data | {"form_key": "another-key"}
    assert editor.post("/editions/new", data=other).status_code == 302
    assert db.session.scalar(select(func.count(Edition.id))) == 2


def test_the_builder_saves_every_changed_entry_with_one_button(app, make, world):
    first, second = (make.item(world.reporter, "adopted", signer=world.signer, editor=world.editor) for _ in range(2))
    editor = client_for(app, world.editor)
    edition = new_edition(editor)
    add(editor, edition, [first, second])
    one, two = entries(edition)
    page = editor.get(f"/editions/{edition.id}").get_data(as_text=True)
    assert page.count("保存全部标题和栏目") == 1 and f'name="headline-{two.id}" form="entries-form"' in page
    editor.post(f"/editions/{edition.id}/entries/save", data={f"headline-{one.id}": "第一条改过的标题",
                                                             f"headline-{two.id}": "第二条改过的标题"})
    assert [entry.headline for entry in entries(edition)] == ["第一条改过的标题", "第二条改过的标题"]
    # One refused title stores none of them: all or nothing.
    editor.post(f"/editions/{edition.id}/entries/save", data={f"headline-{one.id}": "又改了", f"headline-{two.id}": ""})
    assert [entry.headline for entry in entries(edition)] == ["第一条改过的标题", "第二条改过的标题"]
