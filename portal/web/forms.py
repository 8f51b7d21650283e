"""Form base classes shared by every domain."""
from flask_wtf import FlaskForm


class PortalForm(FlaskForm):
    class Meta:
        # WTForms ships Simplified Chinese messages for its built-in validators and field parsing.
        locales = ("zh",)

