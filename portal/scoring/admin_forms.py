from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from ..web.fields import DateField, IntegerField
from ..web.forms import PortalForm
from .rulesets import NAME_MAX, TARGET_MAX, TEMPLATES, TargetRow


class RuleSetForm(PortalForm):
    name = StringField("名称", validators=[DataRequired("请填写规则集名称"),
                                          Length(max=NAME_MAX, message=f"不超过{NAME_MAX}个字符")])
    period_start = DateField("考核期起始日", validators=[InputRequired("请填写考核期起始日")])
    period_end = DateField("考核期截止日", validators=[InputRequired("请填写考核期截止日")],
                           description="起始日和截止日都计入考核期")
    rules = TextAreaField(
        "规则（JSON）",
        validators=[DataRequired("请填写规则集内容（JSON）")],
        description="字段含义见说明文档中的“规则集格式”。保存时会检查全部内容，有误时不会保存。",
    )


class RuleSetTemplateForm(PortalForm):
    template = SelectField("模板", choices=TEMPLATES, validate_choice=False)


class RuleSetImportForm(PortalForm):
    file = FileField("规则集文件（.json）", validators=[FileRequired("请选择要导入的文件")],
                     description="由本平台“导出”得到的 JSON 文件；导入后为未启用状态，可先查看、修改再启用。")


def _target_range(form, field) -> None:
    # NumberRange would add a second message under a value that is not a number at all.
    if field.data is not None and not 0 <= field.data <= TARGET_MAX:
        raise ValidationError(f"请输入0至{TARGET_MAX}之间的整数")


def target_field_names(row: TargetRow) -> tuple[str, str]:
    return f"submitted_{row.key}", f"adopted_{row.key}"


def make_targets_form(rows: list[TargetRow]) -> PortalForm:
    """A form with two number fields per row. The fields come from the server's tier list, so a
    posted form can only set targets for rows that exist."""

    class TargetsForm(PortalForm):
        pass

    for row in rows:
        submitted, adopted = target_field_names(row)
        for name, label, value in ((submitted, "报送目标（篇）", row.submitted_target),
                                   (adopted, "采用目标（篇）", row.adopted_target)):
            setattr(TargetsForm, name, IntegerField(
                f"{row.label}{label}", default=value,
                validators=[Optional(), _target_range],
            ))
    return TargetsForm()
