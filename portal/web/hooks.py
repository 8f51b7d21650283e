"""What every page shares, connected by init_app: the id converter, filters, error pages, compression and security headers."""
from flask import render_template
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import IntegerConverter

from ..extensions import db
from . import compression, filters, memo, security


class IdConverter(IntegerConverter):
    """<int:...> in a URL is a row id: a number larger than any INTEGER column holds is a 404, not an
    overflow in the database driver (SQLite refuses to bind it)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app) -> None:
    """Before the blueprints: their rules bind the converters when they are added."""
    app.url_map.converters["int"] = IdConverter
    filters.register(app)
    compression.init_app(app)
    security.init_app(app)
    memo.init_app(app)

    def _error_page(status: int, message: str):
        return render_template("web/error.html", status=status, message=message), status

    app.register_error_handler(400, lambda e: _error_page(400, "请求有误，请返回上一页重试。"))
    app.register_error_handler(403, lambda e: _error_page(403, "您没有权限进行此操作。"))
    app.register_error_handler(404, lambda e: _error_page(404, "页面不存在，或您无权查看。"))
    app.register_error_handler(405, lambda e: _error_page(405, "不支持此操作方式。"))
    app.register_error_handler(
        413, lambda e: _error_page(413, "上传内容过大。请减少照片数量或先压缩照片后再试。")
    )

    def _stale_data(error):
        # Two saves of one row raced (the loser's UPDATE matched no row of the version it read,
        # see Item.version): nothing of this request is stored.
        db.session.rollback()
        return _error_page(409, "该信息刚刚被他人修改，您的操作未保存。请返回并刷新页面后重试。")

    app.register_error_handler(StaleDataError, _stale_data)
    app.register_error_handler(500, lambda e: _error_page(500, "系统出现错误，请稍后再试。"))
