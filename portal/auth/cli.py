"""`flask --app wsgi create-admin`: the first administrator of a fresh installation (migrations create
no accounts; the demo's accounts exist only in the demo)."""
import re

import click

from ..extensions import db
from .models import USERNAME_PATTERN
from .services import AccountError, create_first_admin


@click.command("create-admin")
@click.argument("username")
@click.argument("name")
def create_admin_command(username: str, name: str) -> None:
    """Create an administrator with a random initial password, to be changed at the first login."""
    if not re.match(USERNAME_PATTERN, username) or len(username) > 40:
        raise click.ClickException("用户名只能使用字母、数字、下划线、点和连字符，不超过40个字符")
    if not name.strip() or len(name.strip()) > 40:
        raise click.ClickException("姓名不能为空，不超过40个字符")
    try:
        user, password = create_first_admin(username, name.strip())
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"管理员账号 {user.username} 已创建（{user.unit.name}），初始密码：{password}")
    click.echo("该密码只显示这一次；首次登录后必须修改。")
