"""Photos: real-image check, stripping or re-encoding (appended content and EXIF/GPS dropped), limits on
bytes and pixels, the thumbnail, and serving only to users allowed to see the item."""
import io
import os
import re
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db
from portal.items.models import Item, ItemPhoto
from portal.items.photos import photo_path
from tests.conftest import jpeg_bytes, login

HTML = b"<html><script>alert(1)</script></html>"
GPS_IFD = 0x8825


def client_for(app, user):
    client = app.test_client()
    login(client, user)
    return client


def item_form(**overrides):
    return {"title": "幸福社区开展消防安全隐患排查", "body": "重点检查楼道堆物和电动车违规充电。",
            "category": "work", "event_end": "", "follow_up_of_id": "0", "intent": "save"} | overrides


def upload(client, files, form_key="photo-form", **fields):
    photos = [(io.BytesIO(data), name) for name, data in files]
    response = client.post("/items/new", data=item_form(form_key=form_key, photos=photos, **fields),
                           content_type="multipart/form-data")
    # Werkzeug's test client spools a body over 500 KB to a temporary file and leaves it open.
    response.request.environ["wsgi.input"].close()
    return response


def stored_photos(form_key="photo-form") -> list[ItemPhoto]:
    db.session.expire_all()
    return list(db.session.scalars(select(ItemPhoto).where(ItemPhoto.form_key == form_key).order_by(ItemPhoto.id)))


def read(path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def photo_errors(html: str) -> list[str]:
    block = html.split('id="photos"', 1)[1].split("</div>", 1)[0]
    return re.findall(r'<p class="error" role="alert">(.*?)</p>', block)


def png(width: int, height: int) -> bytes:
    """A valid one-colour 1-bit PNG of any size, built without holding its pixels in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def busy_photo(size=(2400, 1800)) -> bytes:
    """A hard case for the thumbnail: colour detail at the thumbnail's own scale (a crowd, foliage),
    which downscaling cannot average away."""
    channels = [Image.effect_noise((240, 180), 128).resize(size, Image.Resampling.BICUBIC) for _ in range(3)]
    out = io.BytesIO()
    Image.merge("RGB", channels).save(out, "JPEG", quality=90)
    return out.getvalue()


# ---- re-encoding -------------------------------------------------------------------------------

def test_jpeg_with_appended_html_comes_out_clean(app, world):
    client = client_for(app, world.reporter)
    polyglot = jpeg_bytes() + HTML
    assert upload(client, [("现场.jpg", polyglot)]).status_code == 302
    (photo,) = stored_photos()
    assert photo.item_id is not None
    assert photo.stored_name not in ("现场", "现场.jpg") and re.fullmatch(r"[0-9a-f]{32}", photo.stored_name)
    for thumb in (False, True):
        data = read(photo_path(photo, thumb))
        assert b"<html" not in data.lower() and b"script" not in data.lower()
        assert data.startswith(b"\xff\xd8") and data.rstrip(b"\x00").endswith(b"\xff\xd9")
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG"
            image.verify()
    with Image.open(photo_path(photo)) as image:
        assert image.size == (800, 600) == (photo.width, photo.height)
    assert photo.size == len(read(photo_path(photo)))
    with client.get(f"/photos/{photo.id}") as response:
        assert b"<html" not in response.data and response.data == read(photo_path(photo))


def test_exif_and_gps_are_dropped(app, world):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Manufacturer"  # Make
    exif[0x0131] = "SecretSoftware"  # Software
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (43.0, 53.0, 12.0), "E", (125.0, 19.0, 30.0)
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "green").save(out, "JPEG", exif=exif)
    original = out.getvalue()
    with Image.open(io.BytesIO(original)) as check:  # the upload really carries a location
        assert check.getexif().get_ifd(GPS_IFD)[2] == (43.0, 53.0, 12.0)

    client = client_for(app, world.reporter)
    assert upload(client, [("gps.jpg", original)]).status_code == 302
    (photo,) = stored_photos()
    for thumb in (False, True):
        data = read(photo_path(photo, thumb))
        assert b"Exif" not in data and b"SpyCam" not in data and b"SecretSoftware" not in data
        with Image.open(io.BytesIO(data)) as image:
            assert not dict(image.getexif())
            assert not dict(image.getexif().get_ifd(GPS_IFD))
            assert "exif" not in image.info


def test_exif_orientation_is_applied_before_it_is_dropped(app, world):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(out, "JPEG", exif=exif)
    client = client_for(app, world.reporter)
    upload(client, [("phone.jpg", out.getvalue())])
    (photo,) = stored_photos()
    assert (photo.width, photo.height) == (200, 300)


def test_png_with_transparency_becomes_an_opaque_jpeg(app, world):
    out = io.BytesIO()
    Image.new("RGBA", (100, 80), (255, 0, 0, 0)).save(out, "PNG")
    client = client_for(app, world.reporter)
    assert upload(client, [("logo.png", out.getvalue())]).status_code == 302
    (photo,) = stored_photos()
    with Image.open(photo_path(photo)) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert image.getpixel((50, 40))[0] > 240 and image.getpixel((50, 40))[1] > 240  # white, not black


# ---- refusals ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data"), [
    ("notes.jpg", "这是一份会议记录，不是图片。\n".encode()),
    ("page.jpg", HTML),
    ("empty.jpg", b""),
    ("cut.jpg", jpeg_bytes()[:200]),
])
def test_non_image_is_refused_and_the_form_is_kept(app, world, name, data):
    client = client_for(app, world.reporter)
    good = jpeg_bytes((64, 48))
    response = upload(client, [("good.jpg", good), (name, data)], title="幸福社区开展消防安全隐患排查",
                      body="重点检查楼道堆物。")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert photo_errors(html) == [f"“{name}”不是有效的图片文件（支持 JPG、PNG、WebP 格式）"]
    assert 'value="幸福社区开展消防安全隐患排查"' in html and "重点检查楼道堆物。" in html
    kept = stored_photos()
    assert len(kept) == 1 and f'name="caption-{kept[0].id}"' in html
    assert db.session.scalar(select(func.count(Item.id))) == 0
    # Nothing but the good photo's two files were written.
    folder = os.path.dirname(photo_path(kept[0]))
    assert sorted(os.listdir(folder)) == sorted([f"{kept[0].stored_name}.jpg", f"{kept[0].stored_name}_t.jpg"])


def test_oversized_file_is_refused(app, world):
    app.config["PHOTO_MAX_BYTES"] = 1024 * 1024
    big = jpeg_bytes() + b"\0" * (1024 * 1024)
    client = client_for(app, world.reporter)
    response = upload(client, [("big.jpg", big)])
    assert response.status_code == 200
    assert photo_errors(response.get_data(as_text=True)) == ["照片“big.jpg”超过 1 MB"]
    assert stored_photos() == []
    assert db.session.scalar(select(func.count(Item.id))) == 0


def test_size_limit_boundary(app, world):
    data = jpeg_bytes((64, 48))
    app.config["PHOTO_MAX_BYTES"] = len(data)
    client = client_for(app, world.reporter)
    assert upload(client, [("exact.jpg", data)], form_key="exact").status_code == 302
    response = upload(client, [("over.jpg", data + b"\0")], form_key="over")
    assert response.status_code == 200 and len(photo_errors(response.get_data(as_text=True))) == 1
    assert len(stored_photos("exact")) == 1 and stored_photos("over") == []


def test_too_many_pixels_is_refused_by_the_portal_limit(app, world):
    data = png(8000, 6000)  # 48 million pixels, over PHOTO_MAX_PIXELS, under Pillow's own alarm
    assert len(data) < 100_000
    assert 8000 * 6000 > app.config["PHOTO_MAX_PIXELS"]
    client = client_for(app, world.reporter)
    response = upload(client, [("huge.png", data)])
    assert response.status_code == 200
    assert photo_errors(response.get_data(as_text=True)) == ["照片“huge.png”像素过大（不超过 4000 万像素）"]
    assert stored_photos() == []


def test_decompression_bomb_is_refused_by_the_pixel_limit(app, world):
    data = png(20000, 20000)  # 400 million pixels of one colour, tens of KB on disk
    assert len(data) < 200_000
    client = client_for(app, world.reporter)
    response = upload(client, [("bomb.png", data)])
    assert response.status_code == 200
    assert stored_photos() == []
    assert db.session.scalar(select(func.count(Item.id))) == 0
    # It is a well-formed PNG: the user must be told it is too large, not that it is no image.
    assert photo_errors(response.get_data(as_text=True)) == ["照片“bomb.png”像素过大（不超过 4000 万像素）"]


# ---- sizes -----------------------------------------------------------------------------------------

def test_thumbnail_is_small_and_the_photo_is_scaled(app, world):
    client = client_for(app, world.reporter)
    original = busy_photo()
    assert upload(client, [("photo.jpg", original)]).status_code == 302
    (photo,) = stored_photos()
    side, thumb_side = app.config["PHOTO_MAX_SIDE"], app.config["THUMB_SIDE"]
    with Image.open(photo_path(photo)) as image:
        assert max(image.size) == side and image.size == (photo.width, photo.height)
    thumb = read(photo_path(photo, thumb=True))
    assert len(thumb) <= 30 * 1024
    with Image.open(io.BytesIO(thumb)) as image:
        assert max(image.size) <= thumb_side and image.size == (thumb_side, thumb_side * 3 // 4)
    # The list pages use the thumbnail, not the full photo.
    page = client.get("/items").get_data(as_text=True)
    assert f'src="/photos/{photo.id}/thumb"' in page and f'src="/photos/{photo.id}"' not in page


def test_a_phone_camera_photo_is_decoded_small_turned_and_scaled(app, world):
    """A 12-megapixel photo sent without the page's script (which scales in the browser), held sideways:
    the decoder's own reduction, the EXIF turn and the scaling together give the upright 1440 × 1920."""
    camera = Image.new("RGB", (4032, 3024), (200, 30, 30))
    camera.paste((30, 30, 200), (2016, 0, 4032, 3024))  # left half red, right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display: the left half comes out on top
    out = io.BytesIO()
    camera.save(out, "JPEG", quality=90, exif=exif)
    client = client_for(app, world.reporter)
    assert upload(client, [("IMG_0001.jpg", out.getvalue())]).status_code == 302
    (photo,) = stored_photos()
    assert (photo.width, photo.height) == (1440, 1920)
    with Image.open(photo_path(photo)) as image:
        assert image.size == (1440, 1920) and not image.info.get("progressive")
        top, bottom = image.getpixel((720, 200)), image.getpixel((720, 1700))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]


def phone_script_photo(**save) -> bytes:
    """What the item form's script sends: a photo already scaled to the limit on the phone, here with
    everything a careless upload may carry besides (EXIF with a location, a comment, bytes after the end)."""
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Manufacturer"
    exif.get_ifd(GPS_IFD)[2] = (43.0, 53.0, 12.0)
    out = io.BytesIO()
    Image.open(io.BytesIO(busy_photo((1920, 1440)))).save(out, "JPEG", quality=82, exif=exif,
                                                          comment=b"SecretComment", **save)
    return out.getvalue() + HTML


@pytest.mark.parametrize("progressive", [False, True])
def test_a_phone_photo_keeps_its_pixels_and_loses_everything_else(app, world, progressive):
    """An upright JPEG within the limits is not re-encoded (a generation of quality lost and most of a
    filing's CPU, for no smaller file): it is stored with its compressed pixels as sent, every metadata
    segment, comment and appended byte gone, and decodes to exactly the pixels of the upload."""
    original = phone_script_photo(progressive=progressive)
    client = client_for(app, world.reporter)
    assert upload(client, [("IMG_0002.jpg", original)]).status_code == 302
    (photo,) = stored_photos()
    data = read(photo_path(photo))
    for secret in (b"Exif", b"SpyCam", b"SecretComment", b"<html"):
        assert secret not in data
    assert data.count(b"JFIF") == 1
    assert data.endswith(b"\xff\xd9") and photo.size == len(data) < len(original)
    with Image.open(io.BytesIO(data)) as stored, Image.open(io.BytesIO(original)) as sent:
        assert stored.size == sent.size == (photo.width, photo.height) == (1920, 1440)
        assert not dict(stored.getexif()) and stored.tobytes() == sent.tobytes()
    with Image.open(photo_path(photo, thumb=True)) as thumb:
        assert thumb.size == (240, 180)


@pytest.mark.parametrize("case", ["dense", "cmyk", "truncated"])
def test_a_jpeg_that_cannot_be_kept_is_re_encoded_or_refused(app, world, case):
    """Kept only what a browser shows as sent and what is no denser than a high-quality encoding; a file
    whose compressed pixels end early is refused, not stored."""
    client = client_for(app, world.reporter)
    out = io.BytesIO()
    if case == "cmyk":  # its Adobe segment says how the colours are coded; dropping it would change them
        Image.new("CMYK", (640, 480), (0, 200, 200, 0)).save(out, "JPEG", quality=90)
    else:
        Image.open(io.BytesIO(busy_photo((1600, 1200)))).save(out, "JPEG", quality=100)
    original = out.getvalue()
    if case == "truncated":
        response = upload(client, [("cut.jpg", original[:len(original) // 2])])
        assert response.status_code == 200 and stored_photos() == []
        assert photo_errors(response.get_data(as_text=True)) == ["“cut.jpg”不是有效的图片文件（支持 JPG、PNG、WebP 格式）"]
        return
    assert upload(client, [("photo.jpg", original)]).status_code == 302
    (photo,) = stored_photos()
    data = read(photo_path(photo))
    assert data != original and len(data) < len(original)
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.mode == "RGB" and stored.size == (photo.width, photo.height)
        if case == "cmyk":
            red, green, blue = stored.getpixel((10, 10))
            assert red > 200 and green < 120 and blue < 120


# ---- who may see a photo ----------------------------------------------------------------------

def test_photos_are_served_only_to_users_who_may_see_the_item(app, world):
    reporter = client_for(app, world.reporter)
    upload(reporter, [("现场.jpg", jpeg_bytes((64, 48)))])
    (photo,) = stored_photos()
    item = db.session.get(Item, photo.item_id)
    urls = [f"/photos/{photo.id}", f"/photos/{photo.id}/thumb"]
    clients = {name: client_for(app, getattr(world, name)) for name in
               ("reporter", "signer", "other_reporter", "other_signer", "editor", "viewer", "admin")}

    def status_for(name):
        codes = set()
        for url in urls:
            with clients[name].get(url) as response:
                codes.add(response.status_code)
                if response.status_code == 200:
                    assert response.headers["Content-Type"] == "image/jpeg"
                    assert response.headers["X-Content-Type-Options"] == "nosniff"
                    assert response.headers["Cache-Control"] == "no-store"
                    assert response.headers["Content-Disposition"] == f"inline; filename=photo-{photo.id}.jpg"
                    assert response.data.startswith(b"\xff\xd8")
        assert len(codes) == 1, (name, codes)
        return codes.pop()

    def statuses():
        return {name: status_for(name) for name in clients}

    unit_only = {"reporter": 200, "signer": 200, "other_reporter": 404, "other_signer": 404,
                 "editor": 404, "viewer": 404, "admin": 404}
    assert statuses() == unit_only  # draft
    reporter.post(f"/items/{item.id}/act/send")
    assert statuses() == unit_only  # awaiting sign-off: the office still may not see it
    clients["signer"].post(f"/items/{item.id}/act/sign")
    db.session.expire_all()
    assert item.status == "submitted"
    assert statuses() == unit_only | {"editor": 200, "viewer": 200}
    with app.test_client().get(urls[0]) as anonymous:
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert app.test_client().get("/photos/99999").status_code == 302
    assert clients["reporter"].get("/photos/99999").status_code == 404


def test_a_photo_not_yet_filed_is_only_for_its_uploader(app, make, world):
    reporter = client_for(app, world.reporter)
    upload(reporter, [("a.jpg", jpeg_bytes((64, 48)))], title="")  # fails validation: photo stays with the form
    (photo,) = stored_photos()
    assert photo.item_id is None
    colleague = make.user(world.own, "reporter", "signer", username="colleague")
    with reporter.get(f"/photos/{photo.id}/thumb") as response:
        assert response.status_code == 200
    for user in (colleague, world.signer, world.editor, world.other_reporter):
        with client_for(app, user).get(f"/photos/{photo.id}") as response:
            assert response.status_code == 404


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) claims another size: what a bomb looks like."""
    data = bytearray(jpeg_bytes((64, 48)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def test_a_jpeg_claiming_huge_dimensions_is_refused_before_decoding(app, world):
    data = jpeg_claiming(20000, 20000)
    assert len(data) < 5_000
    with pytest.raises(Image.DecompressionBombError):  # the header really says 400 million pixels
        Image.open(io.BytesIO(data))
    client = client_for(app, world.reporter)
    response = upload(client, [("炸弹.jpg", data)])
    assert response.status_code == 200
    assert photo_errors(response.get_data(as_text=True)) == ["照片“炸弹.jpg”像素过大（不超过 4000 万像素）"]
    assert stored_photos() == []


def test_a_request_over_the_upload_cap_gets_a_chinese_413(app, world):
    app.config["MAX_CONTENT_LENGTH"] = 200_000
    client = client_for(app, world.reporter)
    response = upload(client, [("大.jpg", b"\xff\xd8" + b"\0" * 300_000)])
    assert response.status_code == 413
    assert "上传内容过大" in response.get_data(as_text=True)
    assert stored_photos() == [] and db.session.scalar(select(func.count(Item.id))) == 0
