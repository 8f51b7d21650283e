"""What a reporter's upload may cost the server: the count, the bytes, the format and the pixels are checked
before anything is decoded, a request has a pixel budget, and photos of forms never saved are capped per
user and removed after a day by `flask remind`."""
import io
import os
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.items import photos as photo_module
from portal.items.models import ItemPhoto
from tests.conftest import jpeg_bytes
from tests.items.test_photos import client_for, photo_errors, stored_photos, upload

SMALL = (64, 48)


@pytest.fixture
def decoded(monkeypatch):
    """The names of the photos the portal decoded (the costly step), in order."""
    names = []
    encode = photo_module.encode_photo

    def counting(data, filename, *args, **kwargs):
        names.append(filename)
        return encode(data, filename, *args, **kwargs)

    monkeypatch.setattr(photo_module, "encode_photo", counting)
    return names


def test_photos_past_the_limit_are_refused_without_being_decoded(app, world, decoded):
    files = [(f"{number}.jpg", jpeg_bytes(SMALL)) for number in range(1, 13)]
    response = upload(client_for(app, world.reporter), files, title="")
    assert decoded == [f"{number}.jpg" for number in range(1, 10)]
    assert photo_errors(response.get_data(as_text=True)) == [
        f"每条信息最多 9 张照片，“{number}.jpg”未上传" for number in range(10, 13)]
    assert len(stored_photos()) == 9


def test_a_request_decodes_at_most_its_pixel_budget(app, world, decoded):
    app.config["PHOTO_REQUEST_MAX_PIXELS"] = 2 * SMALL[0] * SMALL[1]
    files = [(f"{number}.jpg", jpeg_bytes(SMALL)) for number in (1, 2, 3)]
    response = upload(client_for(app, world.reporter), files, title="")
    assert decoded == ["1.jpg", "2.jpg"]
    assert photo_errors(response.get_data(as_text=True)) == ["本次上传的照片像素总量过大，“3.jpg”未上传，请保存后再上传"]


@pytest.mark.parametrize("kind", ["BMP", "GIF", "TIFF", "PCX"])
def test_only_jpeg_png_and_webp_are_opened(app, world, decoded, kind):
    out = io.BytesIO()
    Image.new("RGB", SMALL, "red").save(out, kind)
    assert Image.open(io.BytesIO(out.getvalue())).format == kind  # a real image Pillow would read
    response = upload(client_for(app, world.reporter), [("现场.jpg", out.getvalue())], title="")
    assert photo_errors(response.get_data(as_text=True)) == ["“现场.jpg”不是有效的图片文件（支持 JPG、PNG、WebP 格式）"]
    assert decoded == []
    assert stored_photos() == []


def test_webp_is_taken(app, world):
    out = io.BytesIO()
    Image.new("RGB", SMALL, "blue").save(out, "WEBP")
    assert upload(client_for(app, world.reporter), [("现场.webp", out.getvalue())]).status_code == 302


def test_pending_photos_of_forms_never_saved_are_capped_per_user(app, world):
    app.config["PHOTO_PENDING_MAX"] = 3
    client = client_for(app, world.reporter)
    upload(client, [("a.jpg", jpeg_bytes(SMALL)), ("b.jpg", jpeg_bytes(SMALL))], form_key="form-a", title="")
    response = upload(client, [("c.jpg", jpeg_bytes(SMALL)), ("d.jpg", jpeg_bytes(SMALL))], form_key="form-b",
                      title="")
    assert photo_errors(response.get_data(as_text=True)) == [
        "尚未保存的照片最多3张，请先保存信息再上传（未保存的照片一天后自动清除），“d.jpg”未上传"]
    assert [photo.form_key for photo in stored_photos("form-b")] == ["form-b"]
    # Saving the item attaches its photos: they no longer count against the cap.
    assert upload(client, [], form_key="form-b").status_code == 302
    response = upload(client, [("e.jpg", jpeg_bytes(SMALL))], form_key="form-c", title="")
    assert photo_errors(response.get_data(as_text=True)) == []


def test_flask_remind_removes_pending_photos_after_a_day(app, world, clock, runner):
    client = client_for(app, world.reporter)
    upload(client, [("old.jpg", jpeg_bytes(SMALL))], form_key="form-old", title="")
    upload(client, [("filed.jpg", jpeg_bytes(SMALL))], form_key="form-filed")  # saved: attached to its item
    [old], [filed] = stored_photos("form-old"), stored_photos("form-filed")
    old_files = [photo_module.photo_path(old), photo_module.photo_path(old, thumb=True)]
    assert all(os.path.exists(path) for path in old_files) and filed.item_id is not None
    clock.shift(timedelta(hours=23))
    upload(client_for(app, world.reporter), [("new.jpg", jpeg_bytes(SMALL))], form_key="form-new", title="")
    clock.shift(timedelta(hours=2))
    result = runner.invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    assert "stale pending photos removed: 1" in result.output
    db.session.expire_all()
    remaining = {photo.form_key for photo in db.session.scalars(select(ItemPhoto))}
    assert remaining == {"form-filed", "form-new"}
    assert not any(os.path.exists(path) for path in old_files)
    assert os.path.exists(photo_module.photo_path(filed))


def test_a_request_of_too_many_parts_is_refused_before_parsing_them(app, world):
    client = client_for(app, world.reporter)
    data = {"title": "标题", "body": "正文", "category": "work", "form_key": "many-parts"} | {
        f"caption-{number}": "说明" for number in range(300)}
    response = client.post("/items/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
