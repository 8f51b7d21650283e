"""once_per_page: a page's repeated read is made once; a writing request, a flush or a change not yet
flushed makes it read afresh; no answer outlives its request."""
from portal.extensions import db
from portal.units.models import Unit
from portal.web.memo import once_per_page

calls = []


@once_per_page
def read(key):
    calls.append(key)
    return len(calls)


def test_a_page_reads_once_per_arguments_and_a_write_reads_each_time(app):
    calls.clear()
    with app.test_request_context("/unit"):
        assert [read("a"), read("a"), read("b")] == [1, 1, 2]
    with app.test_request_context("/unit"):  # a new page asks again
        assert read("a") == 3
    with app.test_request_context("/items/new", method="POST"):
        assert [read("a"), read("a")] == [4, 5]
    assert read("a") == 6  # outside a request (the CLI, the timers): no memory at all


def test_what_a_page_writes_is_read_afresh(app, world):
    """The demo builds its world inside one GET context; a page may refresh stored scores."""
    calls.clear()
    with app.test_request_context("/unit"):
        assert [read("a"), read("a")] == [1, 1]
        unit = db.session.get(Unit, world.reporter.unit_id)
        unit.contact_name = "王明"
        assert read("a") == 2  # a change not yet flushed
        db.session.flush()
        assert [read("a"), read("a")] == [3, 3]  # flushed: read again, then held
        db.session.rollback()
