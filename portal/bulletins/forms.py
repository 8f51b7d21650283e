"""The new-bulletin form (kind and window) and the text form (title, 主送, preamble, closing). The
window's rules (year range, months, quarters) live in services.resolve_window, whose message lands at
the field, so the form only parses."""
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..web.fields import IntegerField
from ..web.forms import PortalForm
from .models import KINDS
from .services import ADDRESSEE_MAX, QUARTER_NAMES, TEXT_MAX, TITLE_MAX

MONTHS = {month: f"{month}月" for month in range(1, 13)}
QUARTERS = {quarter: f"第{name}季度" for quarter, name in QUARTER_NAMES.items()}


def _whole_number(value):
    """An unknown month or quarter reaches the service as None, which refuses it in words at the field."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class NewBulletinForm(PortalForm):
    kind = SelectField("通报类型", choices=KINDS, default="month", validate_choice=False)
    year = IntegerField("年份", validators=[InputRequired("请填写年份")])
    month = SelectField("月份", coerce=_whole_number, choices=MONTHS, validate_choice=False,
                        description="月度通报按此月份统计")
    quarter = SelectField("季度", coerce=_whole_number, choices=QUARTERS, validate_choice=False,
                          description="季度通报按此季度统计；年度通报统计当年考核期")


class BulletinTextForm(PortalForm):
    title = StringField("标题", validators=[DataRequired("请填写标题"),
                                          Length(max=TITLE_MAX, message=f"标题不超过{TITLE_MAX}个字")])
    addressee = StringField("主送单位", validators=[Length(max=ADDRESSEE_MAX, message=f"不超过{ADDRESSEE_MAX}个字")],
                            description="如：各社区，街道各部门")
    preamble = TextAreaField("导语", validators=[Length(max=TEXT_MAX, message=f"不超过{TEXT_MAX}个字")],
                             description="排名表之前的说明文字")
    closing = TextAreaField("工作要求", validators=[Length(max=TEXT_MAX, message=f"不超过{TEXT_MAX}个字")],
                            description="通报最后的下一步工作要求")
