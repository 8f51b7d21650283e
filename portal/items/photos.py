"""Photos: checked to be real images, stripped of EXIF (GPS included) and of anything appended to the
file, scaled, and given a small thumbnail for lists. Names are chosen by the server."""
import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from ..extensions import db, on_session
from ..web.errors import UserError
from .models import ItemPhoto


class PhotoError(UserError):
    """A refused photo."""


@dataclass
class EncodedPhoto:
    full: bytes
    thumb: bytes
    width: int
    height: int


def photo_dir() -> str:
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], "photos")
    os.makedirs(path, exist_ok=True)
    return path


def photo_path(photo: ItemPhoto, thumb: bool = False) -> str:
    return os.path.join(photo_dir(), f"{photo.stored_name}{'_t' if thumb else ''}.jpg")


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def _fitted(width: int, height: int, side: int) -> tuple[int, int]:
    """The size within side × side that keeps the aspect (the size itself when it fits)."""
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _scaled(image: Image.Image, side: int) -> Image.Image:
    size = _fitted(image.width, image.height, side)
    if size == image.size:
        return image
    # Bicubic, halving by whole pixels first where the scale allows (reducing_gap): as sharp as Lanczos
    # at a photo's sizes, at a third less CPU. A filing's photo is most of the filing's cost.
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    # Optimised Huffman tables (2–5 % smaller for a few ms), baseline rather than progressive: progressive
    # scans save another 3 % of bytes at two to three times the encoding CPU, paid inside a filing.
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


# What Pillow may open: the formats phones and cameras send. Any other decoder (Pillow has dozens, some
# rarely exercised) never sees an uploaded byte.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
NOT_A_PHOTO = "“{}”不是有效的图片文件（支持 JPG、PNG、WebP 格式）"


def open_photo(data: bytes, filename: str) -> Image.Image:
    """The image as its header describes it, not yet decoded: refused when too many bytes, not one of
    PHOTO_FORMATS, or too many pixels (a 4.9 KB PNG can declare 40 megapixels)."""
    config = current_app.config
    if len(data) > config["PHOTO_MAX_BYTES"]:
        raise PhotoError(f"照片“{filename}”超过 {config['PHOTO_MAX_BYTES'] // (1024 * 1024)} MB")
    too_large = PhotoError(f"照片“{filename}”像素过大（不超过 {config['PHOTO_MAX_PIXELS'] // 10_000} 万像素）")
    try:
        with warnings.catch_warnings():
            # Pillow's own alarm for huge images fires inside open(), before our limit can be checked.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=PHOTO_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoError(NOT_A_PHOTO.format(filename)) from None
    if image.width * image.height > config["PHOTO_MAX_PIXELS"]:
        raise too_large
    return image


# The JPEG segments a decoder needs. Baseline, extended and progressive Huffman frames only: browsers
# decode no arithmetic-coded, lossless or hierarchical JPEG (Pillow does), so those are re-encoded.
_FRAMES = {0xC0, 0xC1, 0xC2}
_KEPT = _FRAMES | {0xC4, 0xDB, 0xDD, 0xDA}  # + Huffman tables, quantisation tables, restart interval, scan
_DROPPED = set(range(0xE0, 0xF0)) | {0xFE}  # APP0–APP15 (JFIF, EXIF with GPS, XMP, ICC, …) and comments
# A fresh JFIF header, version 1.01, no density, no thumbnail: some readers (python-docx's, for the Word
# edition) recognise a JPEG only by a JFIF or EXIF segment.
_JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
# In a scan's entropy-coded data 0xFF is followed by 0x00 (a stuffed byte), a restart marker or another 0xFF
# (fill); any other byte ends the scan.
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _essential_jpeg(data: bytes) -> bytes | None:
    """The JPEG with only what a browser needs to show it: every APPn segment and comment dropped (EXIF and
    GPS with them) for a fresh JFIF header, everything after the end-of-image marker gone, the compressed
    pixels untouched. None for a structure this does not know or trust (an Adobe segment says how the
    colours are coded, so dropping it would change them): such a file is re-encoded instead."""
    if not data.startswith(b"\xff\xd8"):
        return None
    kept, pos, end = [b"\xff\xd8", _JFIF], 2, len(data)
    frame = False
    while pos + 2 <= end and data[pos] == 0xFF:
        while pos < end - 1 and data[pos + 1] == 0xFF:  # fill bytes before a marker
            pos += 1
        marker = data[pos + 1] if pos + 1 < end else None
        if marker == 0xD9:
            return b"".join(kept) + b"\xff\xd9" if frame else None
        if marker is None or pos + 4 > end:
            return None
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        segment_end = pos + 2 + length
        if length < 2 or segment_end > end:
            return None
        if marker == 0xEE and data[pos + 4:pos + 9] == b"Adobe":
            return None
        if marker in _KEPT:
            frame = frame or marker in _FRAMES
            if marker == 0xDA and not frame:
                return None
            kept.append(data[pos:segment_end])
        elif marker not in _DROPPED:
            return None
        pos = segment_end
        if marker == 0xDA:
            scan_end = _SCAN_END.search(data, pos)
            if scan_end is None:
                return None
            kept.append(data[pos:scan_end.start()])
            pos = scan_end.start()
    return None


ORIENTATION = 0x0112


def _kept_as_sent(image: Image.Image, data: bytes, side: int) -> bytes | None:
    """The upload's own compressed pixels, stripped, when they need no work: an upright colour JPEG within
    the side limit and no denser than a high-quality encoding (a photo from the item form's script, which
    already scaled and compressed it on the phone). Re-encoding such a photo costs the filing most of its
    CPU and loses a generation of quality for no smaller file."""
    config = current_app.config
    if (image.format != "JPEG" or image.mode != "RGB" or max(image.size) > side
            or image.getexif().get(ORIENTATION, 1) != 1
            or len(data) * 8 > config["PHOTO_KEEP_MAX_BITS_PER_PIXEL"] * image.width * image.height):
        return None
    return _essential_jpeg(data)


def _decoded(image: Image.Image, filename: str, size: tuple[int, int]) -> Image.Image:
    """The image decoded, at a half, a quarter or an eighth of its size where `size` allows (the JPEG
    decoder's own reduction); every compressed byte is read, so a damaged file is refused here."""
    image.draft("RGB", size)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise PhotoError(NOT_A_PHOTO.format(filename)) from None
    return image


def encode_photo(data: bytes, filename: str, image: Image.Image | None = None) -> EncodedPhoto:
    """Checked by decoding, stripped or re-encoded as JPEG, scaled: the costly step, after every cheap
    check passed."""
    image = image or open_photo(data, filename)
    config = current_app.config
    side = config["PHOTO_MAX_SIDE"]
    kept = _kept_as_sent(image, data, side)
    if kept is not None:
        width, height = image.size
        # The stripped file itself is decoded (for the thumbnail), so what is stored is known to decode.
        thumb = _decoded(Image.open(io.BytesIO(kept), formats=("JPEG",)), filename,
                         _fitted(width, height, config["THUMB_SIDE"]))
        return EncodedPhoto(kept, _jpeg(_scaled(thumb, config["THUMB_SIDE"]), 70), width, height)
    # A JPEG far over the limit (a phone's 4000 × 3000 sent without the page's script) is decoded at a
    # half or a quarter of its size by the decoder itself, never below what the limit keeps.
    image = _decoded(image, filename, _fitted(image.width, image.height, side))
    ImageOps.exif_transpose(image, in_place=True)
    image = _scaled(_flatten(image), side)
    thumb = _scaled(image, config["THUMB_SIDE"])
    return EncodedPhoto(_jpeg(image, 82), _jpeg(thumb, 70), image.width, image.height)


@dataclass
class Upload:
    """An uploaded photo, encoded (the costly part) or refused, not yet stored."""

    filename: str
    encoded: EncodedPhoto | None
    error: str = ""


def too_many_photos(filename: str) -> str:
    return f"每条信息最多 {current_app.config['ITEM_MAX_PHOTOS']} 张照片，“{filename}”未上传"


def _filename(file_storage) -> str:
    return os.path.basename(file_storage.filename or "照片")


def _read(file_storage) -> bytes:
    # One byte past the limit, so an oversized file is refused without reading it all.
    return file_storage.stream.read(current_app.config["PHOTO_MAX_BYTES"] + 1)


def encode_uploads(files: list, room: int, full: str = "") -> list[Upload]:
    """A request's photos, checked in the order of their cost: the count (`room` more photos fit, the
    refusal `full` or the item's limit), then each file's bytes, format and pixels from its header, then
    the request's pixel budget (PHOTO_REQUEST_MAX_PIXELS); only a photo that passed all of these is decoded."""
    budget = current_app.config["PHOTO_REQUEST_MAX_PIXELS"]
    uploads = []
    for file_storage in files:
        filename = _filename(file_storage)
        if room <= 0:
            uploads.append(Upload(filename, None, f"{full}，“{filename}”未上传" if full else too_many_photos(filename)))
            continue
        try:
            data = _read(file_storage)
            image = open_photo(data, filename)
            if image.width * image.height > budget:
                raise PhotoError(f"本次上传的照片像素总量过大，“{filename}”未上传，请保存后再上传")
            budget -= image.width * image.height
            uploads.append(Upload(filename, encode_photo(data, filename, image)))
            room -= 1
        except PhotoError as error:
            uploads.append(Upload(filename, None, str(error)))
    return uploads


def store_upload(encoded: EncodedPhoto, uploader_id: int, form_key: str, item_id: int | None,
                 position: int) -> ItemPhoto:
    photo = ItemPhoto(
        item_id=item_id, form_key=form_key, uploader_id=uploader_id, stored_name=secrets.token_hex(16),
        width=encoded.width, height=encoded.height, size=len(encoded.full), position=position,
    )
    with open(photo_path(photo), "wb") as handle:
        handle.write(encoded.full)
    with open(photo_path(photo, thumb=True), "wb") as handle:
        handle.write(encoded.thumb)
    db.session.info.setdefault(WRITTEN_FILES, []).extend(_files(photo))
    db.session.add(photo)
    return photo


def remove_photo(photo: ItemPhoto) -> None:
    db.session.delete(photo)
    db.session.info.setdefault(DOOMED_FILES, []).extend(_files(photo))


# The files follow the transaction of their rows, so an operation that fails halfway leaves neither a
# file without its row (written, then rolled back) nor a row without its file (removed, then rolled back).
WRITTEN_FILES, DOOMED_FILES = "photo_files_written", "photo_files_doomed"


def _files(photo: ItemPhoto) -> list[str]:
    return [photo_path(photo), photo_path(photo, thumb=True)]


def _unlink(paths: list[str]) -> None:
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def init_app(app) -> None:
    """Photo files follow their transaction: kept on commit, removed on rollback."""
    on_session("after_commit", _settle_photo_files)
    on_session("after_transaction_end", _undo_photo_files)


def _settle_photo_files(session) -> None:
    session.info.pop(WRITTEN_FILES, None)
    _unlink(session.info.pop(DOOMED_FILES, []))


def _undo_photo_files(session, transaction) -> None:
    # After a commit the lists are already empty; otherwise the outermost transaction was rolled back.
    if transaction.parent is None:
        _unlink(session.info.pop(WRITTEN_FILES, []))
        session.info.pop(DOOMED_FILES, None)
