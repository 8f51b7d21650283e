"""What changes at province size: counts that stop at COUNT_LIMIT, the unit filter that takes part
of a name instead of a <select> of thousands, the ranking in pages, the scores refreshed by a command."""
import re

from portal.extensions import db
from portal.scoring.cli import refresh_scores_command
from portal.scoring.runs import current_run, ensure_fresh_scores
from tests.conftest import login


def file_submitted(make, world, count: int, reporter=None, signer=None) -> list:
    return [make.item(reporter or world.reporter, "submitted", signer=signer or world.signer) for _ in range(count)]


def test_counts_stop_at_the_limit_and_say_so(app, client, make, world):
    app.config.update(COUNT_LIMIT=3, PAGE_SIZE=2)
    file_submitted(make, world, 5)
    login(client, world.editor)
    html = client.get("/inbox").get_data(as_text=True)
    assert re.search(r"<b>3\+</b><span>待处理</span>", html)
    assert "第 1 / 2 页，共 3 条以上" in html
    # the last page the count reaches is still served, and pages past it show the last one
    assert "第 2 / 2 页，共 3 条以上" in client.get("/inbox?page=9").get_data(as_text=True)
    app.config["COUNT_LIMIT"] = 10_000
    html = client.get("/inbox").get_data(as_text=True)
    assert "共 5 条" in html and "条以上" not in html and "3+" not in html


def test_few_units_are_a_select_many_a_name_to_type(app, client, make, world):
    third = make.unit("幸福里社区", parent=world.office)
    third_reporter, third_signer = make.user(third, "reporter"), make.user(third, "signer")
    own = file_submitted(make, world, 1)[0]
    other = file_submitted(make, world, 1, world.other_reporter, world.other_signer)[0]
    third_item = file_submitted(make, world, 1, third_reporter, third_signer)[0]
    login(client, world.editor)

    html = client.get("/inbox").get_data(as_text=True)
    assert '<select id="unit" name="unit">' in html and 'name="unit_name"' not in html

    app.config["UNIT_SELECT_LIMIT"] = 2  # three reporting units: too many for the select
    html = client.get("/inbox").get_data(as_text=True)
    assert 'name="unit_name"' in html and 'name="unit"' not in html and "<option" not in html.split('id="q"')[1].split(
        'name="category"')[0]

    def listed(url: str) -> set[int]:
        page = client.get(url).get_data(as_text=True)
        return {item.id for item in (own, other, third_item) if f"/items/{item.id}\"" in page}

    assert listed("/inbox?unit_name=幸福") == {own.id, third_item.id}
    assert listed("/inbox?unit_name=和平社区") == {other.id}
    assert listed("/inbox?unit_name=%") == set()  # a wildcard is a character like any other
    assert listed("/search?q=垃圾&unit_name=幸福里") == {third_item.id}
    # the typed name stays in the field
    assert 'value="幸福"' in client.get("/inbox?unit_name=幸福").get_data(as_text=True)


def test_the_ranking_comes_in_pages(app, client, make, world):
    units = [make.unit(f"排名{index}社区", parent=world.office) for index in range(3)]
    db.session.commit()
    app.config["RANKING_PAGE_SIZE"] = 2
    login(client, world.editor)
    first = client.get("/scores").get_data(as_text=True)
    second = client.get("/scores?page=2").get_data(as_text=True)
    names = [unit.name for unit in (world.own, world.other, *units)]
    on_first = {name for name in names if name in first}
    on_second = {name for name in names if name in second}
    assert len(on_first) == 2 and len(on_second) == 2 and not on_first & on_second
    assert "第 1 / 3 页，共 5 条" in first and "/scores?page=2" in first
    third = client.get("/scores?page=3").get_data(as_text=True)
    assert len({name for name in names if name in third}) == 1


def test_refresh_scores_recomputes_ahead_of_the_pages(app, make, world):
    file_submitted(make, world, 1)
    before = ensure_fresh_scores()
    before_at = before.computed_at
    db.session.commit()
    result = app.test_cli_runner().invoke(refresh_scores_command)
    assert result.exit_code == 0, result.output
    assert "积分已更新" in result.output
    db.session.expire_all()
    after = current_run()
    assert after.computed_at > before_at and not after.stale
