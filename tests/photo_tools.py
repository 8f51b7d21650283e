"""Storing a photo in one call, as the item form does with an upload, for tests that need one in place."""
from portal.items.photos import PhotoError, encode_uploads, store_upload


def store_photo(file_storage, uploader_id: int, form_key: str, item_id: int | None, position: int):
    [upload] = encode_uploads([file_storage], room=1)
    if upload.encoded is None:
        raise PhotoError(upload.error)
    return store_upload(upload.encoded, uploader_id, form_key, item_id, position)
