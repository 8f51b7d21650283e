"""once_per_page: a page's repeated read is made once, a writing request reads afresh each time, and no
answer outlives its request."""
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
