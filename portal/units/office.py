"""The office's version: what every unit's pages show alike of the office (the active rule set's sign-off and
year, the reporting priority, the office's contact, the roster request, the open solicitations, the roles a
unit lacks) is read on every view of every unit and changes a few times a week, so it is kept in the process
(web.memo.kept_under) under a token the office's changes draw again (Unit.office_version, on the office).

Deny by default: the version is drawn again at every commit of a transaction that wrote any table or column
not in NEVER_SHOWN_OFFICE_WIDE, however it wrote it (the ORM's flushes, a bulk statement, SQL text: every
statement sent is seen, extensions.written_by), so a table added tomorrow is covered without anyone
remembering this module. The list names what the busy hour writes (a unit's items and what is derived from
them, sessions, logins, notices, scores, the audit log), which no office-wide part may read: a part that
reads one of them keys on that table's own version too (the open solicitations on the unit's items version).

Today an installation has one office; each office row carries the version and all are drawn together. What
a part shows that depends on the clock (a countdown, 已逾期) is worked out when the page is drawn, from the
kept copy."""
from functools import wraps

from flask import has_request_context, request
from sqlalchemy import select, update

from ..extensions import SAFE_METHODS, UNMANAGED_PREFIX, db, login_read, on_session, prepared, written_in_transaction
from ..web.memo import draw_version, kept_under, once_per_page
from .models import Unit

# table: None for every column, or the columns whose writes leave the office-wide parts as they were
NEVER_SHOWN_OFFICE_WIDE: dict[str, frozenset[str] | None] = {
    "items": None, "item_photos": None, "item_events": None, "item_features": None, "item_search": None,
    "similarities": None, "warning_reviews": None, "duplicate_marks": None, "combinations": None,
    "user_sessions": None, "login_attempts": None, "notifications": None, "deliveries": None,
    "audit_events": None, "score_runs": None, "unit_scores": None, "bulletin_documents": None,
    # the versions themselves, and a login's time
    "units": frozenset({"items_version", "office_version"}),
    "users": frozenset({"last_login_at"}),
}


def init_app(_app) -> None:
    """Connected after every other package's commit hooks: what they write at commit counts too."""
    on_session("before_commit", _draw_office_version)


def changes_office_wide(written) -> bool:
    """Whether writes (extensions.written_in_transaction) may change what an office-wide part shows."""
    for table, columns in written:
        if table is None:
            return True
        if table.startswith(UNMANAGED_PREFIX):
            continue  # the search index's own tables, written with item_search
        exempt = NEVER_SHOWN_OFFICE_WIDE.get(table, frozenset())
        if exempt is not None and (columns is None or not columns <= exempt):
            return True
    return False


def _draw_office_version(session) -> None:
    if not session.in_transaction():
        return
    session.flush()  # what commit would flush only after this hook
    if changes_office_wide(written_in_transaction(session)):
        version = draw_version()
        session.connection().execute(update(Unit.__table__).where(Unit.__table__.c.kind == "office")
                                     .values(office_version=version))


@prepared
def _office_version():
    return select(Unit.office_version).where(Unit.kind == "office").order_by(Unit.sort_order, Unit.id).limit(1)


OFFICE_VERSION = "office_version"


def office_version_column():
    """The version as a column of the login check's read (extensions.keep_login_read): a statement fewer a page.
    A request that writes reads it anew, so a GET that records a view reads the version its commit drew."""
    return _office_version().scalar_subquery()


def read_office_version() -> str | None:
    """None outside a GET or HEAD: a writing request keeps nothing (web.memo), so it need not ask."""
    if not (has_request_context() and request.method in SAFE_METHODS):
        return None
    found, version = login_read(OFFICE_VERSION)
    return version if found else _read_stored_version()


@once_per_page
def _read_stored_version() -> str | None:
    return db.session.scalar(_office_version())


def kept_by_office(function):
    """function(*args), kept under the office's version (web.memo.kept_under): it may read anything but the
    tables of NEVER_SHOWN_OFFICE_WIDE, and must return what no request changes (copies, not the ORM's
    objects: a kept answer is shared by every request of the process)."""
    @wraps(function)
    def wrapper(*args):
        return kept_under(read_office_version(), function, *args)
    return wrapper


def kept_by_office_and(function):
    """kept_by_office for a part that also reads a table of NEVER_SHOWN_OFFICE_WIDE under that table's own
    version: function(version, *args), kept under both (nothing kept when either is missing)."""
    @wraps(function)
    def wrapper(version: str | None, *args):
        office = read_office_version()
        both = f"{office}:{version}" if office and version else None
        return kept_under(both, function, version, *args)
    return wrapper
