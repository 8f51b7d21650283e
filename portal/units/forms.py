from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..web.fields import IntegerField, whole_number
from ..web.forms import PortalForm
from .models import UNIT_KINDS


class UnitForm(PortalForm):
    name = StringField("单位名称", validators=[DataRequired("请输入单位名称"), Length(max=60, message="不超过60个字符")])
    kind = SelectField("单位类型", choices=UNIT_KINDS)
    parent_id = SelectField("上级单位", coerce=whole_number)
    tier_id = SelectField("单位类别", coerce=whole_number)
    sort_order = IntegerField("排序", default=0, validators=[Optional(), NumberRange(0, 9999, "请输入0至9999之间的整数")])
    active = BooleanField("启用", default=True)
    contact_name = StringField("报送联系人", validators=[Optional(), Length(max=40, message="不超过40个字符")],
                               description="办公室填写：各单位首页显示的信息报送联系人")
    contact_phone = StringField("联系电话", validators=[Optional(), Length(max=40, message="不超过40个字符")])


class TierForm(PortalForm):
    key = StringField(
        "代码",
        validators=[
            DataRequired("请输入代码"),
            Length(max=20, message="不超过20个字符"),
            Regexp(r"^[A-Za-z0-9_]+$", message="代码只能使用字母、数字和下划线"),
        ],
    )
    name = StringField("名称", validators=[DataRequired("请输入名称"), Length(max=40, message="不超过40个字符")])
    sort_order = IntegerField("排序", default=0, validators=[Optional(), NumberRange(0, 9999, "请输入0至9999之间的整数")])
