"""行政区划, departments with jurisdiction, and the enterprise registry."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin, path_type
from app.extensions import db


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"


REGION_LEVEL_LABELS = {"province": "省", "city": "市", "county": "区县", "town": "乡镇/街道", "village": "村/社区"}


class Region(db.Model):
    """One node of the 行政区划 tree. `path` is a materialised path of codes: /34/3413/341322/…/"""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, comment="行政区划代码")
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    path: Mapped[str] = mapped_column(path_type(), index=True)

    parent: Mapped[Region | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.code")

    @property
    def level_label(self) -> str:
        return REGION_LEVEL_LABELS.get(self.level, self.level)

    def full_name(self, stop_level: str = "county") -> str:
        """e.g. 萧县龙城镇 — names from stop_level downwards."""
        names: list[str] = []
        node: Region | None = self
        while node is not None:
            names.append(node.name)
            if node.level == stop_level:
                break
            node = node.parent
        return "".join(reversed(names))

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class Department(TimestampMixin, db.Model):
    """An 应急管理局 or one of its units. `region` is its jurisdiction: staff see that subtree."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str | None] = mapped_column(String(20), comment="发文机关简称，用于文号")
    kind: Mapped[str] = mapped_column(String(20), default="科室", comment="局/科室/大队/站")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), comment="管辖区域")
    phone: Mapped[str | None] = mapped_column(String(30))
    is_active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Department | None] = relationship(remote_side=[id])
    region: Mapped[Region] = relationship()

    @property
    def agency(self) -> Department:
        """The issuing agency (局) this unit belongs to."""
        node = self
        while node.parent is not None and node.kind != "局":
            node = node.parent
        return node

    def __repr__(self) -> str:
        return f"<Department {self.name}>"


class RiskGrade(StrEnum):
    MAJOR = "重大"
    HIGH = "较大"
    GENERAL = "一般"
    LOW = "低"


class EnterpriseStatus(StrEnum):
    OPERATING = "在业"
    SUSPENDED = "停产"
    CLOSED = "关闭"


INDUSTRIES: dict[str, list[str]] = {
    "危险化学品": ["生产", "经营（带储存）", "经营（无储存）", "使用"],
    "非煤矿山": ["金属非金属地下矿山", "露天矿山", "尾矿库"],
    "工贸": ["冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "商贸"],
    "烟花爆竹": ["批发", "零售"],
    "建筑施工": ["房屋建筑", "市政工程"],
    "商贸": ["商场超市", "仓储物流", "餐饮"],
}

CATEGORIES = ("A", "B", "C", "D")


class Enterprise(TimestampMixin, db.Model):
    __tablename__ = "enterprises"
    __table_args__ = (Index("ix_enterprises_region_path_name", "region_path", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True, comment="企业名称")
    credit_code: Mapped[str] = mapped_column(String(18), unique=True, comment="统一社会信用代码")
    industry: Mapped[str] = mapped_column(String(30), index=True, comment="行业/监管类别")
    sub_sector: Mapped[str | None] = mapped_column(String(30), comment="细分行业")
    risk_grade: Mapped[str] = mapped_column(String(10), default=RiskGrade.GENERAL, comment="风险等级")
    category: Mapped[str] = mapped_column(String(1), default="B", comment="分类分级类别 A–D")
    standardization_grade: Mapped[str | None] = mapped_column(
        String(10), comment="安全生产标准化等级（一级/二级/三级/未定级）"
    )
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), comment="属地（乡镇/街道或村）")
    region_path: Mapped[str] = mapped_column(path_type(), comment="属地区划路径（数据范围）")
    address: Mapped[str | None] = mapped_column(String(300))
    legal_rep: Mapped[str | None] = mapped_column(String(50), comment="法定代表人")
    main_person: Mapped[str | None] = mapped_column(String(50), comment="主要负责人")
    main_person_phone: Mapped[str | None] = mapped_column(String(30))
    safety_manager: Mapped[str | None] = mapped_column(String(50), comment="安全管理人员")
    phone: Mapped[str | None] = mapped_column(String(30))
    staff_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=EnterpriseStatus.OPERATING)
    remarks: Mapped[str | None] = mapped_column(Text)

    region: Mapped[Region] = relationship()

    def set_region(self, region: Region) -> None:
        self.region = region
        self.region_id = region.id
        self.region_path = region.path

    @property
    def town(self) -> Region | None:
        node = self.region
        while node is not None and node.level not in ("town",):
            node = node.parent
        return node

    def __repr__(self) -> str:
        return f"<Enterprise {self.name}>"
