from wtforms import BooleanField, HiddenField, MultipleFileField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..web.fields import DateField, DateTimeLocalField, optional_id, whole_number
from ..web.forms import PortalForm
from .models import CATEGORIES, STATUSES
from .services import InboxFilters



class ItemForm(PortalForm):
    form_key = HiddenField()
    version = HiddenField()  # the Item.version the form showed (optimistic lock)
    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=100, message="标题不超过100个字")])
    category = SelectField("信息类别", choices=CATEGORIES, default="work")
    body = TextAreaField("正文", validators=[DataRequired("请填写正文"), Length(max=20000, message="正文不超过20000字")])
    event_end = DateTimeLocalField(
        "事件结束时间", validators=[Optional()],
        description="有具体事件的信息请填写：一般事件结束后2小时内、重大事件4小时内报送，超时标记为“逾时”",
    )
    major = BooleanField("重大事件")
    follow_up_of_id = SelectField("续报", coerce=whole_number, default=0, description="是之前某条信息的后续进展时选择")
    solicitation_id = SelectField("回复约稿", coerce=optional_id, default=0,
                                  description="回复办公室约稿通知的信息请选择；截止时间前报送并被采纳的加分")
    photos = MultipleFileField("照片", description="最多9张，每张不超过15 MB；每张照片可填写说明")


class DecisionForm(PortalForm):
    comment = TextAreaField("意见", validators=[Optional(), Length(max=500, message="不超过500字")])
    adopted_on = DateField("采用日期", validators=[Optional()])


class CategoryForm(PortalForm):
    category = SelectField("更正为", choices=CATEGORIES)
    reason = StringField("更正理由", validators=[DataRequired("请填写更正理由"), Length(max=200, message="理由不超过200字")])


class ReviewForm(PortalForm):
    version = HiddenField()
    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=100, message="标题不超过100个字")])
    body = TextAreaField("正文", validators=[DataRequired("请填写正文"), Length(max=20000, message="正文不超过20000字")])


class InboxFilterForm(PortalForm):
    class Meta:
        csrf = False  # a GET filter, bookmarkable

    q = StringField("关键词", validators=[Optional(), Length(max=50)])
    unit = SelectField("单位", coerce=whole_number, default=0)
    unit_name = StringField("单位", validators=[Optional(), Length(max=50)], description="单位名称中的字词")
    category = SelectField("类别", choices={"": "全部类别"} | CATEGORIES, default="")
    status = SelectField("状态", choices={"": "全部状态"}, default="")
    date_from = DateField("报送日期从", validators=[Optional()])
    date_to = DateField("至", validators=[Optional()])

    def __init__(self, *args, statuses=STATUSES, units=None, **kwargs):
        """units: the unit select's choices, or None to filter by part of a unit's name (unit_filter_choices)."""
        super().__init__(*args, **kwargs)
        self.status.choices = {"": "全部状态"} | statuses
        if units is None:
            del self.unit
        else:
            del self.unit_name
            self.unit.choices = {0: "全部单位"} | units
        self.validate()  # fills field errors; a bad field is ignored, the others still filter

    def to_filters(self) -> InboxFilters:
        def ok(field):
            return field.data if not field.errors else None

        return InboxFilters(
            unit_id=(ok(self.unit) or None) if "unit" in self else None,
            unit_name=(ok(self.unit_name) or "").strip() if "unit_name" in self else "",
            category=ok(self.category) or None, status=ok(self.status) or None,
            date_from=ok(self.date_from), date_to=ok(self.date_to), q=(ok(self.q) or "").strip(),
        )
