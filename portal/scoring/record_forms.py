"""Forms for adoptions, instructions, feedback and verdicts. Choices come from the active rule set,
so they are passed in by the view; the services check every value again."""
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
)

from ..web.fields import DateField, DateTimeLocalField
from ..web.forms import PortalForm
from .records import COMMENT_MAX, LEADER_NAME_MAX, TEXT_MAX

# Where a form posted from the instruction list sends the user back to; anything else means the item page.
BACK_TO_LIST = "list"


class AdoptionForm(PortalForm):
    channel = SelectField("采用刊物", validators=[DataRequired("请选择采用刊物")])
    adopted_on = DateField("采用日期", validators=[InputRequired("请填写采用日期")])

    def __init__(self, *args, channels: dict[str, dict[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = channels


class AdoptionDateForm(PortalForm):
    adopted_on = DateField("采用日期", validators=[InputRequired("请填写采用日期")])


class InstructionForm(PortalForm):
    leader_name = StringField("批示领导", validators=[
        DataRequired("请填写批示领导姓名"), Length(max=LEADER_NAME_MAX, message=f"不超过{LEADER_NAME_MAX}个字")])
    rank = SelectField("领导职务", validators=[DataRequired("请选择领导职务")])
    instructed_on = DateField("批示日期", validators=[InputRequired("请填写批示日期")])
    text = TextAreaField("批示内容", validators=[
        DataRequired("请填写批示内容"), Length(max=TEXT_MAX, message=f"不超过{TEXT_MAX}字")])
    feedback_required = BooleanField("要求单位反馈落实情况", default=True)
    feedback_due = DateTimeLocalField("反馈期限", validators=[Optional()])

    def __init__(self, *args, ranks: dict[str, str], due_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.rank.choices = {"": "请选择"} | ranks
        self.feedback_due.description = f"不填则为批示日期后第{due_days}天24时前"



class InstructionCorrectionForm(PortalForm):
    leader_name = StringField("批示领导", validators=[
        DataRequired("请填写批示领导姓名"), Length(max=LEADER_NAME_MAX, message=f"不超过{LEADER_NAME_MAX}个字")])
    rank = SelectField("领导职务", validators=[DataRequired("请选择领导职务")])
    instructed_on = DateField("批示日期", validators=[InputRequired("请填写批示日期")])
    next = HiddenField()

    def __init__(self, *args, ranks: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.rank.choices = ranks


class RemovalForm(PortalForm):
    next = HiddenField()


class FeedbackForm(PortalForm):
    text = TextAreaField("反馈内容", validators=[
        DataRequired("请填写反馈内容"), Length(max=TEXT_MAX, message=f"不超过{TEXT_MAX}字")])
    next = HiddenField()


class VerdictForm(PortalForm):
    accepted = SelectField("审核结果", choices={"yes": "采纳", "no": "退回"},
                           validators=[DataRequired("请选择采纳或退回")])
    comment = StringField("退回理由", validators=[
        Optional(), Length(max=COMMENT_MAX, message=f"不超过{COMMENT_MAX}字")])
    # set by the 更正审核结果 form: the verdict given is turned round
    correcting = HiddenField()
    next = HiddenField()
