"""Forms for publications and editions. Choices are filled in by the view; services check every value again."""
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..web.fields import DateField, IntegerField, whole_number
from ..web.forms import PortalForm
from .models import NUMBERINGS
from .services import NOTE_MAX, RECIPIENTS_MAX


def _length(limit: int, what: str) -> Length:
    return Length(max=limit, message=f"{what}不超过{limit}个字")


class PublicationForm(PortalForm):
    name = StringField("刊物名称", validators=[DataRequired("请填写刊物名称"), _length(60, "刊物名称")],
                       description="如：《城南信息》、专报信息")
    channel_id = SelectField("计分载体", coerce=whole_number, validate_choice=False,
                             description="本刊编发的信息按此载体记为“采用”并计分；新增载体请先在积分规则中添加")
    numbering = SelectField("期号方式", choices=NUMBERINGS, default="yearly")
    show_total = BooleanField("同时显示总期号（总第N期）", default=True)
    total_start = IntegerField("此前已出总期数", default=0, validators=[
        InputRequired("请填写此前已出总期数"), NumberRange(0, 100000, "请填写0至100000之间的整数")],
        description="启用本平台前已编发的期数；本平台的第一期为此数加1")
    compiled_by = StringField("编发单位", validators=[Optional(), _length(60, "编发单位")],
                              description="留空则使用本办名称")
    sections = TextAreaField("栏目", validators=[Optional(), _length(1000, "栏目")], description="每行一个栏目")
    report_to = StringField("报", validators=[Optional(), _length(RECIPIENTS_MAX, "报送范围")])
    send_to = StringField("送", validators=[Optional(), _length(RECIPIENTS_MAX, "送达范围")])
    issue_to = StringField("发", validators=[Optional(), _length(RECIPIENTS_MAX, "发送范围")])
    print_count = IntegerField("印数（份）", default=0, validators=[
        InputRequired("请填写印数"), NumberRange(0, 100000, "请填写0至100000之间的整数")])
    active = BooleanField("启用", default=True)


class EditionNewForm(PortalForm):
    form_key = HiddenField()  # one-time: a replayed submit finds the draft it made
    publication_id = SelectField("刊物", coerce=whole_number, validate_choice=False)
    issued_on = DateField("编发日期", validators=[InputRequired("请填写编发日期")])


class EditionSettingsForm(PortalForm):
    issued_on = DateField("编发日期", validators=[InputRequired("请填写编发日期")])
    editor_note = TextAreaField("编者按", validators=[Optional(), _length(NOTE_MAX, "编者按")],
                                description="可不填；填写后印在本期信息之前")


class AddItemsForm(PortalForm):
    item_ids = SelectMultipleField("选择信息", coerce=whole_number, validate_choice=False)
    section = SelectField("编入栏目", validate_choice=False)
