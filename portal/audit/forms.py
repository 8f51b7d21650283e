from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from ..web.fields import DateField
from ..web.forms import PortalForm
from .services import ACTIONS, TARGET_TYPES


class AuditFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter, bookmarkable

    actor = StringField("操作人", validators=[Optional(), Length(max=40)])
    action = SelectField("操作", choices={"": "全部操作"} | ACTIONS, default="")
    target_type = SelectField("对象类型", choices={"": "全部类型"} | TARGET_TYPES, default="")
    # Text, not IntegerField: one clear message for "abc", and at most 9 digits fit every database's integer.
    target_id = StringField("对象编号", validators=[Optional(), Regexp(r"^\d{1,9}$", message="请填写数字编号")])
    address = StringField("来源地址", validators=[Optional(), Length(max=64)])
    date_from = DateField("日期从", validators=[Optional()])
    date_to = DateField("至", validators=[Optional()])
