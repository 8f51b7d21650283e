"""Refusals and object loads, said once for every domain: the UserError base of each service's refusals,
the view helper that commits a service's work or shows its refusal, and the "404 before 403" loader."""
from flask import abort, flash

from ..extensions import db


class UserError(ValueError):
    """A refusal worded in Chinese for the person who asked; `field` names the form field it belongs beside,
    if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _field_named(form, name: str):
    """The form's field of that name, also inside a list of subforms (officers-0-name)."""
    for field in form:
        if field.name == name:
            return field
        for entry in getattr(field, "entries", ()):
            if entry.name == name:
                return entry
            for subfield in getattr(entry, "form", ()):
                if subfield.name == name:
                    return subfield
    return None


def show_error(form, error: Exception) -> None:
    """A service's refusal shown at its field, or as a flash message when it concerns no field of the form."""
    name = getattr(error, "field", None)
    target = _field_named(form, name) if name and form is not None else None
    if target is not None:
        target.errors = list(target.errors) + [str(error)]
    else:
        flash(str(error), "error")


def commit_or_show(form, operation, *args, **kwargs) -> tuple[bool, object]:
    """Runs a service operation and commits its work; a refusal (UserError) is rolled back and shown at its
    form field, or as a flash message (form None, or no such field). Returns (done, the operation's result)."""
    try:
        result = operation(*args, **kwargs)
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        show_error(form, error)
        return False, None
    return True, result


def load_for(model, object_id: int, can_see, can_do=None, options=()):
    """The one way a service loads an object for a user: 404 when it does not exist or the user may not see
    it (so ids reveal nothing), 403 when they may see it but not do what they ask. can_see(obj) and
    can_do(obj) say whether; options are the ORM's loader options for what comes with it."""
    obj = db.session.get(model, object_id, options=options)
    if obj is None or not can_see(obj):
        abort(404)
    if can_do is not None and not can_do(obj):
        abort(403)
    return obj
