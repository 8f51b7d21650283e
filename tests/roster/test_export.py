"""The roster as a spreadsheet laid out like the seed's 附件4, read back with openpyxl."""
from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook

from portal.extensions import db, utcnow
from portal.roster.services import OfficerData, RosterData, roster_rows, save_roster
from tests.conftest import login
from tests.roster.test_requests import issue


def filled(world):
    save_roster(world.reporter, world.own, RosterData(
        leader_name="张建国", leader_position="党委副书记", leader_mobile="13904310001", leader_phone="0431-85550001",
        leader_email="zhangjg@example.gov.cn", section="党政办公室",
        officers=[OfficerData("李晓燕", "党政办干事", "full_time", "13804311234", "0431-85551234", "lixy@example.gov.cn"),
                  OfficerData("陈志强", "网格员", "part_time", "13604315678")]))
    db.session.commit()


def download(app, user):
    client = app.test_client()
    login(client, user)
    return client.get("/roster/export.xlsx")


def test_the_export_reads_back_like_the_seed_form(app, world):
    filled(world)
    issue(app, world.editor, utcnow() + timedelta(days=2))
    response = download(app, world.editor)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and ".xlsx" in disposition
    sheet = load_workbook(BytesIO(response.data)).active

    assert sheet["A1"].value == f"{app.config['OFFICE_NAME']}政务信息员统计表"
    assert "A1:N1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value.startswith("注：此表于") and f"前反馈至{app.config['OFFICE_NAME']}" in sheet["A2"].value
    assert [sheet.cell(3, c).value for c in (1, 2, 3, 4, 9)] == ["序号", "单位", "对口科室", "分管领导", "信息员"]
    assert [sheet.cell(4, c).value for c in range(4, 15)] == [
        "姓名", "职务", "手机", "办公电话", "电子邮箱", "姓名", "职务", "专职/兼职", "手机", "办公电话", "电子邮箱"]
    assert {"D3:H3", "I3:N3", "A3:A4", "B3:B4"} <= {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.freeze_panes == "C5"
    assert sheet.column_dimensions["B"].width == 24

    rows = {sheet.cell(r, 2).value: r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 2).value}
    own = rows["幸福社区"]
    assert [sheet.cell(own, c).value for c in range(1, 15)] == [
        1, "幸福社区", "党政办公室", "张建国", "党委副书记", "13904310001", "0431-85550001", "zhangjg@example.gov.cn",
        "李晓燕", "党政办干事", "专职", "13804311234", "0431-85551234", "lixy@example.gov.cn"]
    # The unit's second officer on the next row, the unit's cells merged down both.
    assert [sheet.cell(own + 1, c).value for c in (9, 11, 12)] == ["陈志强", "兼职", "13604315678"]
    assert f"B{own}:B{own + 1}" in {str(r) for r in sheet.merged_cells.ranges}
    other = rows["和平社区"]
    assert sheet.cell(other, 4).value == "（未填报）" and sheet.cell(other, 1).value == 2


def test_the_rows_behind_the_export(app, world):
    filled(world)
    rows = roster_rows()
    assert [row.unit.name for row in rows] == ["幸福社区", "和平社区"]
    assert [o.name for o in rows[0].officers] == ["李晓燕", "陈志强"] and rows[1].roster is None
    assert rows[0].state is None  # no request issued yet


def test_only_the_office_exports(app, world):
    assert download(app, world.admin).status_code == 200
    for user in (world.reporter, world.signer, world.viewer):
        assert download(app, user).status_code == 403
