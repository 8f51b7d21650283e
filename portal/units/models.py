from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..web.memo import draw_version

UNIT_KINDS = {
    "office": "办公室（收报单位）",
    "street": "乡镇/街道",
    "department": "部门",
    "community": "社区",
    "liaison_office": "驻外办事处",
}


class Tier(db.Model):
    """A class of units (e.g. 重点单位) that may carry its own quotas and annual targets."""

    __tablename__ = "tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class Unit(db.Model):
    __tablename__ = "units"
    # the office found by kind in the login check's every read (units/office.py)
    __table_args__ = (Index("ix_units_kind_order", "kind", "sort_order", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # The office's 报送联系人 and phone (信息报送联系方式), shown on every unit's dashboard.
    contact_name: Mapped[str] = mapped_column(String(40), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Drawn again (web.memo.draw_version) by every transaction that changes one of the unit's items or their
    # photos (items/listing.py): the unit's own lists and counts are kept under it.
    items_version: Mapped[str | None] = mapped_column(String(32), default=draw_version)
    # An office's: drawn again by every transaction that writes what the parts every unit's pages show alike
    # may read (units/office.py); those parts are kept under it. None for other units.
    office_version: Mapped[str | None] = mapped_column(String(32))

    parent = relationship("Unit", remote_side=[id], back_populates="children")
    children = relationship("Unit", back_populates="parent", order_by="Unit.sort_order, Unit.id")
    tier = relationship(Tier, lazy="joined")

    @property
    def kind_name(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    @property
    def is_office(self) -> bool:
        return self.kind == "office"
