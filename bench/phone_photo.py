"""The busy hour's photo, shared by bench/locustfile.py and bench/profile_pages.py: what the item form's
script sends from a phone (portal.js scales a photo to PHOTO_MAX_SIDE, 1920 px, JPEG quality 0.82), with
a noise texture, the costliest content to decode and encode (a real photo costs less)."""
import io

from PIL import Image


def phone_photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((1920, 1440), 40).convert("RGB").save(out, "JPEG", quality=82)
    return out.getvalue()
