from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..web.fields import DateField, whole_number
from ..web.forms import PortalForm


class DuplicateForm(PortalForm):
    original_id = SelectField("与哪条信息重复", coerce=whole_number, validate_choice=False)
    reason = TextAreaField("理由", validators=[DataRequired("请填写理由"), Length(max=400, message="不超过400字")])

    def validate_original_id(self, field):
        if field.data not in dict(self.original_id.choices):
            raise ValidationError("请从相似信息中选择重复的那一条")


class CombineForm(PortalForm):
    sources = SelectMultipleField("一并综合的信息", coerce=whole_number, option_widget=CheckboxInput(),
                                  widget=ListWidget(prefix_label=False),
                                  description="所选信息一并记为采用，各单位分别计分")
    title = StringField("综合后的标题", validators=[DataRequired("请填写标题"), Length(max=100, message="标题不超过100个字")])
    body = TextAreaField("综合后的正文",
                         validators=[DataRequired("请填写正文"), Length(max=20000, message="正文不超过20000字")])
    adopted_on = DateField("采用日期", validators=[Optional()])


class SensitiveWordsForm(PortalForm):
    words = TextAreaField("敏感词", validators=[DataRequired("请填写敏感词"), Length(max=20000)],
                          description="每行一个，也可用逗号分隔；已有的词自动跳过")
    note = StringField("备注", validators=[Optional(), Length(max=200, message="不超过200字")])
