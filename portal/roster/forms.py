"""The roster form (leader, section, liaison officers as repeatable rows) and the office's request
form. Phone and e-mail checks call the services' rules, so the message at the field is the one the
service would give."""
from wtforms import FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..web.fields import DateField, whole_number
from ..web.forms import PortalForm, PortalMeta
from .models import EMPLOYMENTS
from .services import (
    EMAIL_MAX,
    MAX_OFFICERS,
    NAME_MAX,
    NOTE_MAX,
    POSITION_MAX,
    SECTION_MAX,
    RosterError,
    clean,
    normalize_email,
    normalize_landline,
    normalize_mobile,
)

DEADLINE_HOURS = {hour: f"{hour:02d}:00" for hour in range(24)}


def contact_check(normalize, what: str):
    def check(form, field):
        try:
            normalize(field.data, what)
        except RosterError as error:
            raise ValidationError(str(error)) from None

    return check


def _length(limit: int):
    return Length(max=limit, message=f"不超过{limit}个字")


class OfficerForm(Form):
    """One liaison officer's row. A plain Form: the page's one CSRF token lives on the outer form."""

    class Meta(PortalMeta):
        pass

    name = StringField("姓名", validators=[DataRequired("请填写信息员姓名"), _length(NAME_MAX)])
    position = StringField("职务", validators=[Optional(), _length(POSITION_MAX)])
    employment = SelectField("专职/兼职", choices=EMPLOYMENTS, default="part_time")
    mobile = StringField("手机", validators=[DataRequired("请填写信息员手机号码"),
                                           contact_check(normalize_mobile, "信息员手机")])
    office_phone = StringField("办公电话", validators=[Optional(), contact_check(normalize_landline, "办公电话")])
    email = StringField("电子邮箱", validators=[Optional(), Length(max=EMAIL_MAX, message="电子邮箱过长"),
                                            contact_check(normalize_email, "电子邮箱")])

    def is_blank(self) -> bool:
        return not any(clean(f.data) for f in (self.name, self.position, self.mobile, self.office_phone, self.email))

    def validate(self, extra_validators=None):
        # An untouched row (the one "添加一行" adds) is dropped on save, not refused.
        if self.is_blank():
            return True
        return super().validate(extra_validators)


class CappedFieldList(FieldList):
    """A FieldList that counts the filled rows it had to leave out past max_entries (WTForms drops them
    silently), so the form can say so instead of saving fewer rows than were typed."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        self.rows_left_out = 0
        if formdata and self.max_entries:
            indices = sorted(set(self._extract_indices(self.name, formdata)))[self.max_entries:]
            self.rows_left_out = sum(
                any(str(value).strip() for key in formdata if key.startswith(f"{self.name}-{index}-")
                    and not key.endswith("-employment") for value in formdata.getlist(key))
                for index in indices)


class RosterForm(PortalForm):
    leader_name = StringField("分管领导姓名", validators=[DataRequired("请填写分管领导姓名"), _length(NAME_MAX)])
    leader_position = StringField("分管领导职务", validators=[DataRequired("请填写分管领导职务"), _length(POSITION_MAX)])
    leader_mobile = StringField("分管领导手机", validators=[Optional(), contact_check(normalize_mobile, "分管领导手机")])
    leader_phone = StringField("分管领导办公电话",
                               validators=[Optional(), contact_check(normalize_landline, "分管领导办公电话")])
    leader_email = StringField("分管领导电子邮箱", validators=[
        Optional(), Length(max=EMAIL_MAX, message="电子邮箱过长"), contact_check(normalize_email, "分管领导电子邮箱")])
    section = StringField("对口科室", validators=[Optional(), _length(SECTION_MAX)],
                          description="负责信息工作的科室（股室），如：党政办公室")
    officers = CappedFieldList(FormField(OfficerForm), min_entries=1, max_entries=MAX_OFFICERS)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if all(entry.form.is_blank() for entry in self.officers):
            first = self.officers[0].form.name
            first.errors = list(first.errors) + ["请至少填写一名信息员"]
            valid = False
        if self.officers.rows_left_out:
            first = self.officers[0].form.name
            first.errors = list(first.errors) + [
                f"信息员最多填写{MAX_OFFICERS}名，第{MAX_OFFICERS + 1}名起的{self.officers.rows_left_out}名未能保存，请删减后再保存"]
            valid = False
        return valid


class RosterRequestForm(PortalForm):
    deadline_on = DateField("截止日期", validators=[InputRequired("请填写截止日期")])
    deadline_hour = SelectField("截止时刻", coerce=whole_number, choices=DEADLINE_HOURS, default=17,
                                description="按北京时间；在此时刻及之前确认或更新的，算按时完成")
    note = TextAreaField("通知说明", validators=[Optional(), _length(NOTE_MAX)])

