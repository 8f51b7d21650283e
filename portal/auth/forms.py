from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ..web.fields import whole_number
from ..web.forms import PortalForm
from .models import ROLES, USERNAME_PATTERN


class LoginForm(PortalForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


class PasswordChangeForm(PortalForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new = PasswordField(
        "新密码", validators=[DataRequired("请输入新密码")],
        # Length, common passwords and the username: checked by services.check_password_policy.
        description="至少8个字符，不能是常见密码或用户名；几个词组成的长句好记又安全",
    )
    confirm = PasswordField("再次输入新密码", validators=[EqualTo("new", message="两次输入的新密码不一致")])


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(PortalForm):
    username = StringField(
        "用户名",
        validators=[
            DataRequired("请输入用户名"),
            Length(max=40, message="用户名不超过40个字符"),
            Regexp(USERNAME_PATTERN, message="用户名只能使用字母、数字、下划线、点和连字符"),
        ],
    )
    name = StringField("姓名", validators=[DataRequired("请输入姓名"), Length(max=40, message="姓名不超过40个字符")])
    unit_id = SelectField("所属单位", coerce=whole_number, validators=[DataRequired("请选择单位")])
    roles = CheckboxListField(
        "角色", choices=ROLES, validators=[DataRequired("请至少选择一个角色")]
    )
    phone = StringField(
        "手机号码",
        validators=[Optional(), Regexp(r"^1[3-9]\d{9}$", message="请输入11位手机号码")],
    )
    # Optional: notices are also e-mailed here when the portal has an SMTP server (docs/reminders.md).
    email = StringField(
        "电子邮箱（选填，用于接收通知邮件）",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Optional(), Length(max=120, message="电子邮箱不超过120个字符"),
                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="请输入有效的电子邮箱")],
    )
