"""Forms for solicitations and reporting priorities. Unit and group choices are passed in by the view;
the services check every value again."""
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
)

from ..web.fields import DateField, whole_number
from ..web.forms import PortalForm
from .priorities import PRIORITY_BODY_MAX, PRIORITY_TITLE_MAX
from .services import CONTACT_MAX, EMAIL_MAX, REQUIREMENTS_MAX, TOPIC_MAX

# Deadlines are given to the hour, as the seed's notice words them (于 月 日 点之前).
HOURS = {hour: f"{hour}点" for hour in range(24)}
DEFAULT_HOUR = 17



class SolicitationForm(PortalForm):
    version = HiddenField()  # the Solicitation.version the edit form showed (optimistic lock)
    topic = StringField("约稿主题", validators=[
        DataRequired("请填写约稿主题"), Length(max=TOPIC_MAX, message=f"不超过{TOPIC_MAX}个字")])
    requirements = TextAreaField("约稿要求", validators=[
        Optional(), Length(max=REQUIREMENTS_MAX, message=f"不超过{REQUIREMENTS_MAX}字")],
        description="需要了解的情况、写作角度、字数、是否附照片等")
    deadline_date = DateField("截止日期", validators=[InputRequired("请填写截止日期")])
    deadline_hour = SelectField("截止时间", coerce=whole_number, choices=HOURS, default=DEFAULT_HOUR,
                                description="在此时刻之前（含）审签报送的回复为按时报送")
    groups = SelectMultipleField("快捷选择", validators=[Optional()],
                                 description="勾选后，该类全部单位都会收到约稿，可与下方逐个勾选的单位合并")
    units = SelectMultipleField("约稿单位", coerce=whole_number, validators=[Optional()])
    contact_name = StringField("联系人", validators=[
        Optional(), Length(max=CONTACT_MAX, message=f"不超过{CONTACT_MAX}个字")])
    room = StringField("报送地点", validators=[Optional(), Length(max=CONTACT_MAX, message=f"不超过{CONTACT_MAX}个字")],
                       description="如：309室")
    phone = StringField("联系电话", validators=[Optional(), Length(max=CONTACT_MAX, message=f"不超过{CONTACT_MAX}个字")])
    email = StringField("邮箱", validators=[Optional(), Length(max=EMAIL_MAX, message=f"不超过{EMAIL_MAX}个字")])

    def __init__(self, *args, groups: dict[str, str], units: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.groups.choices = groups
        self.units.choices = units


class IssueForm(SolicitationForm):
    """A new notice; a telephone solicitation (蚌埠 seed) is recorded here after the call."""

    by_phone = BooleanField("电话约稿补录", description="已通过电话约稿、在此登记的，截止时间照常跟踪、计分")
    called_date = DateField("电话约稿日期", validators=[Optional()], description="不填则为登记时间")
    called_hour = SelectField("电话约稿时间", coerce=whole_number, choices=HOURS, default=9)


class ExtendForm(PortalForm):
    deadline_date = DateField("新的截止日期", validators=[InputRequired("请填写新的截止日期")])
    deadline_hour = SelectField("截止时间", coerce=whole_number, choices=HOURS, default=DEFAULT_HOUR)


class VerdictForm(PortalForm):
    verdict = SelectField("评定", choices={"accepted": "采纳", "rejected": "不采纳"},
                          validators=[DataRequired("请选择采纳或不采纳")])
    # "item" sends the editor back to the item page; anything else to the tracking board.
    next = HiddenField()


class PriorityForm(PortalForm):
    title = StringField("标题", validators=[
        DataRequired("请填写标题"), Length(max=PRIORITY_TITLE_MAX, message=f"不超过{PRIORITY_TITLE_MAX}个字")],
        description="如：2026年12月政务信息工作要点")
    body = TextAreaField("要点内容", validators=[
        DataRequired("请填写要点内容"), Length(max=PRIORITY_BODY_MAX, message=f"不超过{PRIORITY_BODY_MAX}字")],
        description="近期希望各单位重点报送的主题，每条一行")
