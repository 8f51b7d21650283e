"""Form base classes shared by every domain."""
from flask_wtf import FlaskForm


class PortalForm(FlaskForm):
    class Meta:
        # WTForms ships Simplified Chinese messages for its built-in validators and field parsing.
        locales = ("zh",)



def show_error(form, error: Exception) -> None:
    """A service's refusal (an exception with a `field` attribute) shown at its field, or as a flash
    message when it concerns no field of the form."""
    from flask import flash

    name = getattr(error, "field", None)
    target = getattr(form, name, None) if name else None
    if target is not None:
        target.errors = list(target.errors) + [str(error)]
    else:
        flash(str(error), "error")


def loaded_version() -> str | None:
    """The record version an edit form was shown with (optimistic lock), from the posted form only:
    a form object falls back to the record's current version when the field is missing, which would
    wave a stale save through."""
    from flask import request

    return request.form.get("version")


def form_errors(form) -> str:
    """Every validation message of a form in one line, for a form that redirects instead of re-rendering."""
    return "；".join(error for errors in form.errors.values() for error in errors)
