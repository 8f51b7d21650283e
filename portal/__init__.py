"""政务信息报送平台: the application factory."""
import os
import secrets
from pathlib import Path

from flask import Flask

from .extensions import configure_sqlite, csrf, db, end_reads_with_commit, include_name, login_manager, migrate
from .web.proxies import TrustedProxyFix

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def default_config(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "portal.db"),
        "UPLOAD_FOLDER": os.path.join(instance_path, "uploads"),
        # Licensed fonts for the PDFs (never committed), and more font files by name: {file name: role}.
        "PDF_FONTS_DIR": os.path.join(instance_path, "fonts"),
        "PDF_FONTS": {},
        "TIMEZONE": "Asia/Shanghai",
        "OFFICE_NAME": "城南街道党政办公室",
        "PORTAL_TITLE": "政务信息报送平台",
        # Bulletins (通报): the 发文字号 prefix (发文机关代字 + 类别, e.g. 城南街办通〔2026〕3号), the 主送机关
        # a new bulletin starts with, and the 抄送 line of its 版记.
        "BULLETIN_DOC_PREFIX": "城南街办通",
        "BULLETIN_ADDRESSEE": "各社区，街道各部门",
        "BULLETIN_COPY_TO": "街道党工委、办事处领导班子成员",
        # Editions (刊物): the mark above the 报头, and the 责任编辑 and 签发 of the 版记; empty: not printed.
        "EDITION_INTERNAL_MARK": "内部资料　注意保存",
        "EDITION_EDITOR": "",
        "EDITION_SIGNED_BY": "",
        # 约稿通知单 numbers, e.g. 城南约稿 → 城南约稿〔2026〕5号; empty: the notices are not numbered.
        "SOLICITATION_NUMBER_PREFIX": "",
        # A whole item form with nine phone photos must fit; each photo is checked on its own below.
        "MAX_CONTENT_LENGTH": 120 * 1024 * 1024,
        "PHOTO_MAX_BYTES": 15 * 1024 * 1024,
        "PHOTO_MAX_PIXELS": 40_000_000,
        "PHOTO_MAX_SIDE": 1920,
        "THUMB_SIDE": 240,
        "PHOTO_KEEP_MAX_BITS_PER_PIXEL": 6,
        "ITEM_MAX_PHOTOS": 9,
        # Pixels one request may decode, all photos together (nine 22-megapixel phone photos): decoding is
        # what costs, a 4.9 KB PNG can declare 40 megapixels, and a form may carry many files.
        "PHOTO_REQUEST_MAX_PIXELS": 200_000_000,
        # Photos uploaded to a form that was never saved: at most this many per user, removed after this
        # many hours by `flask remind`.
        "PHOTO_PENDING_MAX": 30,
        "PHOTO_PENDING_HOURS": 24,
        # Parts of one multipart request (Werkzeug's default is 1,000): the item form with nine photos,
        # their captions and removal boxes needs about 40.
        "MAX_FORM_PARTS": 200,
        # Content warnings (form hints): not limits, only the sizes above which the reporter is reminded.
        "CHECK_TITLE_CHARS": 40,
        "CHECK_BRIEF_CHARS": 300,
        "CHECK_EVENT_CATEGORIES": ["work", "emergency", "opinion"],
        # Stored scores older than this are recomputed on the next page that shows them.
        "SCORE_MAX_AGE_MINUTES": 10,
        "PAGE_SIZE": 20,
        # Counts of list rows stop here: past it a count scans every match (1.4 million items at province
        # size) and tells a reader nothing; lists read "10000 条以上", the last pages reached by filtering.
        "COUNT_LIMIT": 10_000,
        # The ranking's units per page: a province's 3,000 on one page took seconds to render, 100 cost a city 48 ms.
        "RANKING_PAGE_SIZE": 50,
        # Above this many reporting units, filters take part of a unit's name instead of a <select>.
        "UNIT_SELECT_LIMIT": 100,
        # Search results per page: ten keep a search-as-you-type answer under 5 KB for phones.
        "SEARCH_PAGE_SIZE": 10,
        # Search ranks at most this many matches, the newest: a common word matches a fifth of a province's
        # items, and scoring them all took seconds ("最新100条中最相关的").
        "SEARCH_RANK_LIMIT": 100,
        # Tie the CSRF token to the session, not to a clock: a form left open on a phone must still submit.
        "WTF_CSRF_TIME_LIMIT": None,
        # WTForms' own Chinese messages (see portal.web.forms); Flask-Babel is not used.
        "WTF_I18N_ENABLED": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Secure is also set on any request that came over HTTPS (portal.auth.sessions); True forces it.
        "SESSION_COOKIE_SECURE": False,
        # Server-side sessions (user_sessions): ended after this long without a request, and this long after login.
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_ABSOLUTE_HOURS": 12,
        # Login throttling (portal.auth.throttle): failures counted in a sliding window, per account and
        # address, per address, and per account from addresses it has not logged in from lately.
        "LOGIN_WINDOW_MINUTES": 15,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 30,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 20,
        "LOGIN_KNOWN_ADDRESS_DAYS": 30,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # How many reverse proxies (nginx) stand in front: their X-Forwarded-For/-Proto are then believed,
        # so the audit log and the login throttle see the client's address (otherwise every user would share
        # nginx's). 0 (no proxy) ignores the headers, which anyone could otherwise forge.
        "TRUSTED_PROXIES": 0,
        # The proxies' own addresses (or CIDR blocks): forwarded headers from any other peer are ignored.
        "TRUSTED_PROXY_ADDRESSES": ["127.0.0.1", "::1"],
        # Outside delivery of notices, sent by `flask remind` (see docs/reminders.md). Empty: off.
        "SMTP_HOST": "",
        "SMTP_PORT": 25,
        "SMTP_USER": "",
        # An empty default, not a secret (bandit B105): the real one goes in instance/config.py.
        "SMTP_PASSWORD": "",  # nosec B105
        "SMTP_FROM": "",
        "SMTP_STARTTLS": False,
        "WEBHOOK_URL": "",
        # Prefix for links in e-mails and webhook payloads, e.g. "https://baosong.example.gov.cn".
        "BASE_URL": "",
        "DELIVERY_MAX_ATTEMPTS": 5,
        "DELIVERY_RETRY_SECONDS": 60,
        # Reminders before a deadline, in hours; a missed deadline is reminded of once, if at most this old.
        "REMIND_BEFORE_HOURS": [24, 2],
        "REMIND_MISSED_DAYS": 7,
        "REMIND_QUOTA_WEEKDAY": 4,
        "REMIND_QUOTA_HOUR": 9,
    }


def ensure_instance_config(instance_path: str) -> None:
    """First run: create instance/ with a random secret key, so no secret is ever committed."""
    os.makedirs(instance_path, exist_ok=True)
    config_file = os.path.join(instance_path, "config.py")
    if not os.path.exists(config_file):
        with open(config_file, "w", encoding="utf-8") as handle:
            handle.write(f"SECRET_KEY = {secrets.token_hex(32)!r}\n")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(default_config(app.instance_path))
    if test_config is None:
        ensure_instance_config(app.instance_path)
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.config.from_prefixed_env("PORTAL")
    if os.environ.get("DATABASE_URL") and not (test_config or {}).get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # JIT compiles a query whose estimated cost is high; a page's queries are short, and misestimates (a
        # phrase search, the ranking's target counts) paid 10-700 ms of compiling for nothing. The default
        # random_page_cost (4, for spinning disks) made the ranking's 15,000 index probes look dearer than
        # reading all 650,000 adoptions (0.14 s instead of 0.06 s); 1.1 is the usual figure for SSDs.
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options | {"connect_args": options.get("connect_args", {}) | {
            "options": "-c jit=off -c random_page_cost=1.1"}}
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, int(app.config["TRUSTED_PROXIES"]),
                                       app.config["TRUSTED_PROXY_ADDRESSES"])

    db.init_app(app)
    # Batch mode lets Alembic alter SQLite tables (it copies them); PostgreSQL ignores it.
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True,
                    include_name=include_name)
    login_manager.init_app(app)
    csrf.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        end_reads_with_commit(app)

    # The packages are imported here, not at the top: importing portal (for its models, say) loads no views.
    from .audit import services as audit_services
    from .audit import views as audit_views
    from .auth import hooks as auth_hooks
    from .auth import views as auth_views
    from .bulletins import views as bulletins_views
    from .checks import hooks as checks_hooks
    from .checks import views as checks_views
    from .editions import hooks as editions_hooks
    from .editions import views as editions_views
    from .items import listing, photos
    from .items import views as items_views
    from .notifications import views as notifications_views
    from .roster import views as roster_views
    from .scoring import admin_views, record_views  # noqa: F401  (their routes join scoring's blueprint)
    from .scoring import hooks as scoring_hooks
    from .scoring import views as scoring_views
    from .search import services as search_services
    from .search import views as search_views
    from .solicitations import hooks as solicitations_hooks
    from .solicitations import views as solicitations_views
    from .units import office
    from .units import views as units_views
    from .web import hooks as web_hooks

    web_hooks.init_app(app)  # first: the blueprints' rules bind its converters when they are added
    auth_hooks.init_app(app)
    # office last: its commit hook reads what the others' commit hooks wrote
    for hooks in (audit_services, photos, listing, search_services, checks_hooks, scoring_hooks, solicitations_hooks,
                  editions_hooks, office):
        hooks.init_app(app)
    for views in (audit_views, auth_views, units_views, items_views, search_views, notifications_views,
                  scoring_views, roster_views, solicitations_views, editions_views, bulletins_views, checks_views):
        app.register_blueprint(views.bp)

    from .auth.cli import create_admin_command
    from .backup import backup_command, restore_command
    from .demo import demo_command
    from .notifications.reminders import remind_command
    from .checks.cli import checks_reindex_command
    from .scoring.cli import export_facts_command, refresh_scores_command, score_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(remind_command)
    app.cli.add_command(score_command)
    app.cli.add_command(export_facts_command)
    app.cli.add_command(refresh_scores_command)
    app.cli.add_command(checks_reindex_command)
    return app
