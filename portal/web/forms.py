"""Form base classes shared by every domain, and the one-time key of a creating form."""
import re
import uuid

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

# C0 controls bar tab, line feed and carriage return, and DEL: no keyboard types them, PostgreSQL refuses
# NUL in text, and they can hide or forge text where the value is shown or logged.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_characters(value):
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def clean_text(text: str | None) -> str:
    """Typed text as a service stores it: no control characters (PostgreSQL refuses NUL), Windows line
    ends made plain, no space around it."""
    return strip_control_characters((text or "").replace("\r\n", "\n")).strip()


# What WTForms' zh catalogue leaves in English: a multiple choice's refusal.
MISSING_CHINESE = {
    "'%(value)s' is not a valid choice for this field.": "“%(value)s”不在可选范围内，请重新选择。",
    "'%(value)s' are not valid choices for this field.": "“%(value)s”不在可选范围内，请重新选择。",
}


class ChineseTranslations:
    """WTForms' translations with the missing Chinese filled in, so no field ever answers in English."""

    def __init__(self, translations):
        self.translations = translations

    def gettext(self, message: str) -> str:
        return MISSING_CHINESE.get(message) or self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return MISSING_CHINESE.get(singular if count == 1 else plural) or self.translations.ngettext(
            singular, plural, count)


class PortalMeta:
    """Shared by every form, the CSRF-less row forms (roster officers) included."""

    # WTForms ships Simplified Chinese messages for its built-in validators and field parsing.
    locales = ("zh",)

    def get_translations(self, form):
        return ChineseTranslations(super().get_translations(form))

    def bind_field(self, form, unbound_field, options):
        # Every typed text is cleaned before validation (choices are checked against their list); a
        # password is checked as typed and never stored.
        field_class = unbound_field.field_class
        if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
            filters = [*unbound_field.kwargs.get("filters", ()), strip_control_characters]
            options = options | {"filters": filters}
        return unbound_field.bind(form=form, **options)


class PortalForm(FlaskForm):
    class Meta(PortalMeta):
        pass


def loaded_version() -> str | None:
    """The record version an edit form was shown with (optimistic lock), from the posted form only:
    a form object falls back to the record's current version when the field is missing, which would
    wave a stale save through."""
    from flask import request

    return request.form.get("version")


def form_errors(form) -> str:
    """Every validation message of a form in one line, for a form that redirects instead of re-rendering."""
    return "；".join(error for errors in form.errors.values() for error in errors)


# A creating form (a new item, a new edition) carries a one-time key, stored on what it creates: a
# replayed submit (a double tap, a retried request on a bad link) finds that record instead of a second.
FORM_KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}")


def new_form_key() -> str:
    return uuid.uuid4().hex


def is_form_key(value: str | None) -> bool:
    """A key sent back by the browser is used only if it could be one of ours (it is stored)."""
    return bool(value) and FORM_KEY_PATTERN.fullmatch(value) is not None


def failed_fields(form) -> list[tuple[str, str, list[str]]]:
    """(id, label, messages) of each visible field in error, nested lists (roster officers) included, in
    page order: the error summary at the top of a refused form links to each."""
    failed = []
    for field in form:
        if field.type in ("FieldList", "FormField"):
            failed += failed_fields(field)
        elif field.type not in ("HiddenField", "CSRFTokenField") and field.errors:
            failed.append((field.id, field.label.text, [str(error) for error in field.errors]))
    return failed
