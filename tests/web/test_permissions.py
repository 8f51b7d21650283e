"""The permission matrix: every route of app.url_map × every role × objects of the own and another unit.

The cases are generated from the live url_map, so a new route without a row in EXPECTATIONS fails, and
test_expectations_match_url_map fails for a row whose route (or method) is gone. Expected codes:
302 for anonymous (to /login), 403 for a wrong role or a visible object the user may not act on,
404 for an object the user may not see. Every refused request must leave the watched object unchanged.
One case is one route × role × object; a route taking GET and POST is checked with both, in that order.
Every answer of the crawl must also carry the security headers (test_security_headers.check_security_headers);
no HTML answer may come from a pdf/ template (those are rendered by WeasyPrint only) or carry inline code the
CSP would block; every file answered must carry a safe Content-Disposition.
"""
import io
import re
import tempfile
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import template_rendered, url_for
from sqlalchemy import Column, inspect, select
from werkzeug.datastructures import FileStorage

from portal import create_app
from portal.auth.models import User
from portal.bulletins.services import create_bulletin, publish_bulletin, resolve_window
from portal.checks.models import SensitiveWord
from portal.editions.models import Edition, EditionEntry, Publication
from portal.editions.services import lock_edition
from portal.extensions import db, utcnow
from portal.items.models import Item
from portal.items.services import transition_item
from portal.items.workflow import TRANSITIONS
from portal.notifications.models import Delivery, Notification
from portal.roster.services import issue_roster_request
from portal.scoring.adoptions import record_adoption
from portal.scoring.engine import DEFAULT_RULESET_PATH
from portal.scoring.models import Adoption, Instruction
from portal.scoring.rulesets import copy_rule_set, find_active_rule_set
from portal.solicitations.models import Solicitation
from portal.solicitations.services import SolicitationFields, issue_solicitation
from portal.units.services import save_tier
from portal.web.filters import to_local
from tests.conftest import jpeg_bytes, login
from tests.photo_tools import store_photo
from tests.web.test_security_headers import INLINE_CODE, check_security_headers

ROLES = ("anonymous", "reporter", "signer", "supervisor", "editor", "viewer", "admin")
NONE = "-"  # the route takes no object id
DONE = "done"  # items.act: a redirect, and the item is now in the action's target state
KEPT = "kept"  # a redirect, but the watched object is unchanged (a refused transition, another user's row)
GONE = "gone"  # a redirect, and the watched object no longer exists
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}

# A file's name is ASCII (quoted: no quote, backslash or line break inside), Chinese only as RFC 5987 filename*.
SAFE_DISPOSITION = re.compile(r"""(attachment|inline); filename=("[ !#-\[\]-~]*"|[\w.-]+)(; filename\*=UTF-8''[\w.%-]+)?""", re.ASCII)
ALL_302 = (302, 302, 302, 302, 302, 302, 302)
LOGGED_IN = (302, 200, 200, 200, 200, 200, 200)
ADMIN_ONLY = (302, 403, 403, 403, 403, 403, 200)
ADMIN_DONE = (302, 403, 403, 403, 403, 403, 302)
UNIT_MEMBERS = (302, 200, 200, 403, 403, 403, 403)
EDITOR_ONLY = (302, 403, 403, 403, 200, 403, 403)
EDITOR_DONE = (302, 403, 403, 403, 302, 403, 403)
EDITOR_KEPT = (302, 403, 403, 403, KEPT, 403, 403)
OFFICE_READERS = (302, 403, 403, 403, 200, 200, 403)
HIDDEN = (302, 404, 404, 404, 404, 404, 404)  # another unit's draft or another user's row: nobody here may see it
FOREIGN_SUBMITTED_EDITOR_ACTION = (302, 404, 404, 404, DONE, 403, 404)
EDITOR_ONLY_DRAFT = (302, 404, 404, 404, 200, 404, 404)  # a bulletin's draft: only the office's editors see it
EDITOR_ONLY = (302, 403, 403, 403, 200, 403, 403)
EDITOR_DONE = (302, 403, 403, 403, 302, 403, 403)

# endpoint -> method -> target -> expected per role, in ROLES order:
#  anonymous  reporter  signer  supervisor  editor  viewer  admin   (reporter, signer and supervisor (主管领导)
#  belong to the "own" unit)
EXPECTATIONS = {
    "audit.index": {"GET": {NONE: ADMIN_ONLY}},
    "auth.login": {"GET": {NONE: (200, 302, 302, 302, 302, 302, 302)},
                   "POST": {NONE: (200, 302, 302, 302, 302, 302, 302)}},
    "auth.logout": {"POST": {NONE: ALL_302}},
    "auth.alive": {"GET": {NONE: (302, 204, 204, 204, 204, 204, 204)}},
    "auth.password": {"GET": {NONE: LOGGED_IN}, "POST": {NONE: LOGGED_IN}},  # wrong current password
    "auth.user_list": {"GET": {NONE: ADMIN_ONLY}},
    "auth.user_new": {"GET": {NONE: ADMIN_ONLY}, "POST": {NONE: ADMIN_DONE}},
    "auth.user_edit": {
        "GET": {"own_unit_user": ADMIN_ONLY, "other_unit_user": ADMIN_ONLY},
        "POST": {"own_unit_user": ADMIN_DONE, "other_unit_user": ADMIN_DONE},
    },
    "auth.user_reset_password": {"POST": {"own_unit_user": ADMIN_DONE, "other_unit_user": ADMIN_DONE}},
    "auth.user_toggle_active": {"POST": {"other_unit_user": ADMIN_DONE}},
    "auth.user_sign_out": {"POST": {"other_unit_user": ADMIN_DONE}},
    "bulletins.index": {"GET": {NONE: LOGGED_IN}},
    "bulletins.new": {"GET": {NONE: EDITOR_ONLY}, "POST": {NONE: EDITOR_DONE}},
    "bulletins.detail": {"GET": {"draft_bulletin": EDITOR_ONLY_DRAFT, "published_bulletin": LOGGED_IN}},
    "bulletins.export": {"GET": {"draft_bulletin": EDITOR_ONLY_DRAFT, "published_bulletin": LOGGED_IN}},
    "bulletins.pdf": {"GET": {"draft_bulletin": EDITOR_ONLY_DRAFT, "published_bulletin": LOGGED_IN}},
    "bulletins.docx": {"GET": {"draft_bulletin": EDITOR_ONLY_DRAFT, "published_bulletin": LOGGED_IN}},
    # The actions are the editors' (403 to other roles whatever the id, so nothing is revealed); a draft's
    # page and spreadsheet answer 404 to anyone else.
    "bulletins.edit": {
        "GET": {"draft_bulletin": EDITOR_ONLY, "published_bulletin": (302, 403, 403, 403, 403, 403, 403)},
        "POST": {"draft_bulletin": EDITOR_DONE, "published_bulletin": (302, 403, 403, 403, 403, 403, 403)},
    },
    "bulletins.publish": {"POST": {
        "draft_bulletin": EDITOR_DONE,
        "published_bulletin": (302, 403, 403, 403, KEPT, 403, 403),  # a retried submit: already published
    }},
    "bulletins.correct": {"POST": {"draft_bulletin": (302, 403, 403, 403, 403, 403, 403),
                                   "published_bulletin": EDITOR_DONE}},
    "bulletins.delete": {"POST": {"draft_bulletin": (302, 403, 403, 403, GONE, 403, 403),
                                  "published_bulletin": (302, 403, 403, 403, 403, 403, 403)}},
    # The similar item (other_id) is always another unit's signed item: a unit never opens it.
    "checks.compare": {"GET": {"own_unit_submitted": (302, 404, 404, 404, 200, 200, 404),
                               "own_unit_draft": (302, 404, 404, 404, 404, 404, 404)}},
    "checks.mark_duplicate_of": {"POST": {
        "other_unit_submitted": EDITOR_KEPT,  # nothing similar to name: refused with a message
        "own_unit_draft": (302, 403, 403, 403, 404, 403, 403),
    }},
    "checks.combine": {
        "GET": {"other_unit_submitted": EDITOR_ONLY, "own_unit_draft": (302, 403, 403, 403, 404, 403, 403)},
        "POST": {"other_unit_submitted": EDITOR_ONLY,  # nothing to combine with: the form again, with the reason
                 "own_unit_draft": (302, 403, 403, 403, 404, 403, 403)},
    },
    "checks.words": {"GET": {NONE: ADMIN_ONLY}, "POST": {NONE: ADMIN_DONE}},
    "checks.word_delete": {"POST": {"sensitive_word": (302, 403, 403, 403, 403, 403, GONE)}},
    "items.home": {"GET": {NONE: ALL_302}},
    "items.dashboard": {"GET": {NONE: UNIT_MEMBERS}},
    "items.unit_items": {"GET": {NONE: UNIT_MEMBERS}},
    "items.signoff": {"GET": {NONE: (302, 403, 200, 200, 403, 403, 403)}},
    "items.inbox": {"GET": {NONE: OFFICE_READERS}},
    "search.search": {"GET": {NONE: (302, 200, 200, 403, 200, 200, 403)}},
    "items.new": {"GET": {NONE: (302, 200, 403, 403, 403, 403, 403)}, "POST": {NONE: (302, 302, 403, 403, 403, 403, 403)}},
    "items.delete": {"POST": {
        "own_unit_draft": (302, GONE, 403, 403, 403, 403, 403),
        "own_unit_submitted": (302, 403, 403, 403, 403, 403, 403),  # once signed, an item's history is kept
        "other_unit_draft": (302, 404, 403, 403, 403, 403, 403),
        "other_unit_submitted": (302, 404, 403, 403, 403, 403, 403),
    }},
    "items.detail": {"GET": {
        "own_unit_draft": (302, 200, 200, 404, 404, 404, 404),
        "own_unit_awaiting": (302, 200, 200, 200, 404, 404, 404),
        "other_unit_draft": HIDDEN,
        "other_unit_submitted": (302, 404, 404, 404, 200, 200, 404),
    }},
    "items.edit": {
        "GET": {
            "own_unit_draft": (302, 200, 403, 403, 403, 403, 403),
            "own_unit_submitted": (302, 403, 403, 403, 403, 403, 403),  # a seen item the reporter may no longer edit
            "other_unit_draft": (302, 404, 403, 403, 403, 403, 403),
            "other_unit_submitted": (302, 404, 403, 403, 403, 403, 403),
        },
        "POST": {
            "own_unit_draft": (302, 302, 403, 403, 403, 403, 403),
            "own_unit_submitted": (302, 403, 403, 403, 403, 403, 403),
            "other_unit_draft": (302, 404, 403, 403, 403, 403, 403),
            "other_unit_submitted": (302, 404, 403, 403, 403, 403, 403),
        },
    },
    "items.review": {
        "GET": {
            "own_unit_draft": (302, 403, 403, 403, 404, 403, 403),
            "other_unit_submitted": (302, 403, 403, 403, 200, 403, 403),
            "own_unit_not_adopted": (302, 403, 403, 403, 403, 403, 403),  # seen, but no longer editable
            "other_unit_draft": (302, 403, 403, 403, 404, 403, 403),
        },
        "POST": {
            "own_unit_draft": (302, 403, 403, 403, 404, 403, 403),
            "other_unit_draft": (302, 403, 403, 403, 404, 403, 403),
            "other_unit_submitted": (302, 403, 403, 403, 302, 403, 403),
            "own_unit_not_adopted": (302, 403, 403, 403, 403, 403, 403),
        },
    },
    # the 公众号 view and its photos: an adopted item, for whoever may see it
    "items.wechat": {"GET": {
        "own_unit_adopted": (302, 200, 200, 200, 200, 200, 404),
        "other_unit_adopted": (302, 404, 404, 404, 200, 200, 404),
        "own_unit_submitted": (302, 404, 404, 404, 404, 404, 404),
    }},
    "items.wechat_photos": {"GET": {
        "own_unit_adopted": (302, 200, 200, 200, 200, 200, 404),
        "other_unit_adopted": (302, 404, 404, 404, 200, 200, 404),
        "own_unit_submitted": (302, 404, 404, 404, 404, 404, 404),
    }},
    "items.recategorize": {"POST": {
        "own_unit_draft": (302, 403, 403, 403, 404, 403, 403),
        "other_unit_submitted": (302, 403, 403, 403, 302, 403, 403),
    }},
    "items.photo": {"GET": {
        "own_unit_draft_photo": (302, 200, 200, 404, 404, 404, 404),
        "other_unit_draft_photo": HIDDEN,
        "other_unit_submitted_photo": (302, 404, 404, 404, 200, 200, 404),
        "own_unit_unattached_photo": (302, 200, 404, 404, 404, 404, 404),  # only its uploader (the reporter) sees it
        "other_unit_unattached_photo": HIDDEN,
    }},
    "items.photo_thumb": {"GET": {  # the same photo, smaller: the same permission
        "own_unit_draft_photo": (302, 200, 200, 404, 404, 404, 404),
        "other_unit_draft_photo": HIDDEN,
        "other_unit_submitted_photo": (302, 404, 404, 404, 200, 200, 404),
        "own_unit_unattached_photo": (302, 200, 404, 404, 404, 404, 404),
        "other_unit_unattached_photo": HIDDEN,
    }},
    "items.act": {"POST": {
        "send:own_unit_draft": (302, DONE, 403, 404, 404, 404, 404),
        "send:other_unit_draft": HIDDEN,
        "withdraw:own_unit_awaiting": (302, DONE, 403, 403, 404, 404, 404),
        "withdraw:other_unit_awaiting": HIDDEN,
        "sign:own_unit_awaiting": (302, 403, DONE, 403, 404, 404, 404),
        "sign:own_unit_submitted": (302, 403, KEPT, 403, 403, 403, 404),  # a seen item, a refused transition
        "sign:other_unit_awaiting": HIDDEN,
        "return:own_unit_awaiting": (302, 403, DONE, KEPT, 404, 404, 404),
        "return:own_unit_lead": (302, 403, KEPT, DONE, 404, 404, 404),
        # 调研 is signed by the unit head, then by the 主管领导 (the seed rule set's second_signoff)
        "sign_first:own_unit_research": (302, 403, DONE, 403, 404, 404, 404),
        "sign_first:own_unit_awaiting": (302, 403, KEPT, 403, 404, 404, 404),  # a category signed once
        "lead_sign:own_unit_lead": (302, 403, 403, DONE, 404, 404, 404),
        "lead_sign:other_unit_lead": HIDDEN,
        "withdraw:own_unit_lead": (302, DONE, 403, 403, 404, 404, 404),
        "return:other_unit_submitted": FOREIGN_SUBMITTED_EDITOR_ACTION,
        "accept:other_unit_submitted": FOREIGN_SUBMITTED_EDITOR_ACTION,
        "adopt:other_unit_submitted": FOREIGN_SUBMITTED_EDITOR_ACTION,
        "reject:other_unit_submitted": FOREIGN_SUBMITTED_EDITOR_ACTION,
        "invalidate:other_unit_submitted": FOREIGN_SUBMITTED_EDITOR_ACTION,
    }},
    "editions.index": {"GET": {NONE: LOGGED_IN}},
    "editions.new": {"GET": {NONE: EDITOR_ONLY}, "POST": {NONE: EDITOR_DONE}},
    "editions.detail": {"GET": {"draft_edition": (302, 404, 404, 404, 200, 404, 404), "locked_edition": LOGGED_IN}},
    "editions.pdf": {"GET": {"draft_edition": (302, 404, 404, 404, 200, 404, 404), "locked_edition": LOGGED_IN}},
    "editions.docx": {"GET": {"draft_edition": (302, 404, 404, 404, 200, 404, 404), "locked_edition": LOGGED_IN}},
    # the 公众号 view and its photos: a locked edition only
    "editions.wechat": {"GET": {"draft_edition": (302, 404, 404, 404, 404, 404, 404), "locked_edition": LOGGED_IN}},
    "editions.wechat_photos": {"GET": {"draft_edition": (302, 404, 404, 404, 404, 404, 404), "locked_edition": LOGGED_IN}},
    "editions.preview": {"GET": {"draft_edition": EDITOR_ONLY, "locked_edition": EDITOR_ONLY}},
    "editions.settings": {"POST": {"draft_edition": EDITOR_DONE, "locked_edition": EDITOR_KEPT}},
    "editions.add": {"POST": {"draft_edition": EDITOR_ONLY, "locked_edition": EDITOR_KEPT}},  # nothing ticked: 200
    "editions.entries_save": {"POST": {"draft_edition": EDITOR_DONE, "locked_edition": EDITOR_KEPT}},
    "editions.entry_move": {"POST": {"up:draft_entry": EDITOR_DONE, "down:locked_entry": EDITOR_KEPT}},
    "editions.entry_remove": {"POST": {"draft_entry": (302, 403, 403, 403, GONE, 403, 403), "locked_entry": EDITOR_KEPT}},
    "editions.lock": {"POST": {"draft_edition": EDITOR_DONE, "locked_edition": EDITOR_KEPT}},
    "editions.delete": {"POST": {"draft_edition": (302, 403, 403, 403, GONE, 403, 403), "locked_edition": EDITOR_KEPT}},
    "editions.publications": {"GET": {NONE: ADMIN_ONLY}},
    "editions.publication_new": {"GET": {NONE: ADMIN_ONLY}, "POST": {NONE: ADMIN_DONE}},
    "editions.publication_edit": {"GET": {"publication": ADMIN_ONLY}, "POST": {"publication": ADMIN_DONE}},
    "notifications.index": {"GET": {NONE: LOGGED_IN}},
    "notifications.open_notification": {"POST": {"mine": ALL_302, "other_unit_user": HIDDEN}},
    "notifications.read_all": {"POST": {"other_unit_user": (302, KEPT, KEPT, KEPT, KEPT, KEPT, KEPT)}},
    "notifications.deliveries": {"GET": {NONE: ADMIN_ONLY}},
    "notifications.retry": {"POST": {"failed_delivery": ADMIN_DONE}},
    "roster.index": {"GET": {NONE: (302, 302, 302, 403, 200, 200, 200)}},  # a unit member is sent to the own roster
    "roster.unit_roster": {"GET": {"own_unit": (302, 200, 200, 403, 200, 200, 200),
                                   "other_unit": (302, 404, 404, 403, 200, 200, 200)}},
    "roster.edit": {
        "GET": {"own_unit": UNIT_MEMBERS, "other_unit": (302, 404, 404, 403, 403, 403, 403)},
        "POST": {"own_unit": (302, 302, 302, 403, 403, 403, 403), "other_unit": (302, 404, 404, 403, 403, 403, 403)},
    },
    "roster.confirm": {"POST": {"own_unit": (302, 302, 302, 403, 403, 403, 403),  # no request yet: refused with a message
                                "other_unit": (302, 404, 404, 403, 403, 403, 403)}},
    "roster.export": {"GET": {NONE: (302, 403, 403, 403, 200, 403, 200)}},
    "roster.export_pdf": {"GET": {NONE: (302, 403, 403, 403, 200, 403, 200)}},
    "roster.export_docx": {"GET": {NONE: (302, 403, 403, 403, 200, 403, 200)}},
    "roster.request_new": {"GET": {NONE: (302, 403, 403, 403, 200, 403, 403)},
                           "POST": {NONE: (302, 403, 403, 403, 302, 403, 403)}},
    "roster.request_detail": {"GET": {"roster_request": (302, 403, 403, 403, 200, 403, 403)}},
    "roster.request_edit": {"GET": {"roster_request": (302, 403, 403, 403, 200, 403, 403)},
                            "POST": {"roster_request": (302, 403, 403, 403, 302, 403, 403)}},
    "scoring.adoption_new": {"POST": {
        "own_unit_submitted": (302, 403, 403, 403, 302, 403, 403),
        "other_unit_draft": (302, 403, 403, 403, 404, 403, 403),
    }},
    "scoring.adoption_correct": {"POST": {
        "own_unit_upper_adoption": (302, 403, 403, 403, 302, 403, 403),
        "own_unit_internal_adoption": (302, 403, 403, 403, KEPT, 403, 403),  # dated by the 采用 transition
        "other_unit_returned_adoption": (302, 403, 403, 403, 404, 403, 403),  # its item is a draft again
    }},
    "scoring.adoption_delete": {"POST": {
        "own_unit_upper_adoption": (302, 403, 403, 403, GONE, 403, 403),
        "own_unit_internal_adoption": (302, 403, 403, 403, KEPT, 403, 403),  # the 采用 transition's own record
        "other_unit_returned_adoption": (302, 403, 403, 403, 404, 403, 403),  # its item is a draft again
    }},
    "scoring.instruction_new": {
        "GET": {"own_unit_submitted": (302, 403, 403, 403, 200, 403, 403),
                "other_unit_draft": (302, 403, 403, 403, 404, 403, 403)},
        "POST": {"own_unit_submitted": (302, 403, 403, 403, 302, 403, 403),
                 "other_unit_draft": (302, 403, 403, 403, 404, 403, 403)},
    },
    "scoring.instruction_feedback": {"POST": {
        "own_unit_instruction": (302, 302, 302, 403, 403, 403, 403),
        "other_unit_instruction": (302, 404, 404, 403, 403, 403, 403),
    }},
    "scoring.instruction_verdict": {"POST": {
        "own_unit_answered_instruction": (302, 403, 403, 403, 302, 403, 403),
        "other_unit_answered_instruction": (302, 403, 403, 403, 302, 403, 403),
        "own_unit_instruction": (302, 403, 403, 403, KEPT, 403, 403),  # no feedback yet: nothing to decide
    }},
    "scoring.instruction_correct": {"POST": {"own_unit_instruction": (302, 403, 403, 403, 302, 403, 403),
                                             "other_unit_instruction": (302, 403, 403, 403, 302, 403, 403)}},
    "scoring.instruction_delete": {"POST": {"own_unit_instruction": (302, 403, 403, 403, GONE, 403, 403),
                                            "other_unit_instruction": (302, 403, 403, 403, GONE, 403, 403)}},
    "scoring.instructions": {"GET": {NONE: (302, 200, 200, 403, 200, 200, 403)}},
    "scoring.overview": {"GET": {NONE: (302, 403, 403, 403, 403, 200, 403)}},
    "scoring.rule_set_list": {"GET": {NONE: ADMIN_ONLY}},
    "scoring.rule_set_new": {"POST": {NONE: ADMIN_DONE}},
    "scoring.rule_set_from_template": {"POST": {NONE: ADMIN_DONE}},
    "scoring.rule_set_import": {"GET": {NONE: ADMIN_ONLY}, "POST": {NONE: ADMIN_DONE}},
    "scoring.rule_set_detail": {"GET": {"rule_set": ADMIN_ONLY}},
    "scoring.rule_set_edit": {"GET": {"rule_set": ADMIN_ONLY}, "POST": {"rule_set": ADMIN_DONE}},
    "scoring.rule_set_activate": {"POST": {"rule_set": ADMIN_DONE}},
    "scoring.rule_set_export": {"GET": {"rule_set": ADMIN_ONLY}},
    "scoring.annual_targets": {"GET": {NONE: ADMIN_ONLY}, "POST": {NONE: ADMIN_DONE}},
    "scoring.ranking": {"GET": {NONE: OFFICE_READERS}},
    "scoring.my_score": {"GET": {NONE: UNIT_MEMBERS}},
    "scoring.unit_score": {"GET": {"own_unit": OFFICE_READERS, "other_unit": OFFICE_READERS}},
    "solicitations.index": {"GET": {NONE: OFFICE_READERS}},
    "solicitations.inbox": {"GET": {NONE: UNIT_MEMBERS}},
    "solicitations.new": {"GET": {NONE: (302, 403, 403, 403, 200, 403, 403)},
                          "POST": {NONE: (302, 403, 403, 403, 302, 403, 403)}},
    "solicitations.detail": {"GET": {
        "own_unit_solicitation": (302, 200, 200, 403, 200, 200, 403),
        "other_unit_solicitation": (302, 404, 404, 403, 200, 200, 403),  # never sent to the own unit
    }},
    "solicitations.edit": {  # the office's own notices: a unit member is refused whichever unit it went to
        "GET": {"own_unit_solicitation": (302, 403, 403, 403, 200, 403, 403),
                "other_unit_solicitation": (302, 403, 403, 403, 200, 403, 403)},
        "POST": {"own_unit_solicitation": (302, 403, 403, 403, 302, 403, 403),
                 "other_unit_solicitation": (302, 403, 403, 403, 302, 403, 403)},
    },
    "solicitations.extend": {"POST": {"own_unit_solicitation": (302, 403, 403, 403, 302, 403, 403),
                                      "other_unit_solicitation": (302, 403, 403, 403, 302, 403, 403)}},
    "solicitations.close": {"POST": {"own_unit_solicitation": (302, 403, 403, 403, 302, 403, 403),
                                     "other_unit_solicitation": (302, 403, 403, 403, 302, 403, 403)}},
    "solicitations.acknowledge": {"POST": {
        "own_unit_solicitation": (302, 302, 302, 403, 403, 403, 403),
        "other_unit_solicitation": (302, 404, 404, 403, 403, 403, 403),
    }},
    "solicitations.board": {"GET": {
        "own_unit_solicitation": (302, 403, 403, 403, 200, 200, 403),
        "other_unit_solicitation": (302, 403, 403, 403, 200, 200, 403),
    }},
    "solicitations.print_notice": {"GET": {
        "own_unit_solicitation": (302, 200, 200, 403, 200, 200, 403),
        "other_unit_solicitation": (302, 404, 404, 403, 200, 200, 403),
    }},
    "solicitations.notice_pdf": {"GET": {  # the same notice as a PDF: the same permission
        "own_unit_solicitation": (302, 200, 200, 403, 200, 200, 403),
        "other_unit_solicitation": (302, 404, 404, 403, 200, 200, 403),
    }},
    "solicitations.notice_docx": {"GET": {  # and as a Word document
        "own_unit_solicitation": (302, 200, 200, 403, 200, 200, 403),
        "other_unit_solicitation": (302, 404, 404, 403, 200, 200, 403),
    }},
    "solicitations.answer_verdict": {"POST": {
        "own_unit_answer": (302, 403, 403, 403, 302, 403, 403),
        "own_unit_draft_answer": (302, 403, 403, 403, 404, 403, 403),  # the office never sees a draft
        "other_unit_answer": (302, 403, 403, 403, 302, 403, 403),
    }},
    "solicitations.priorities": {"GET": {NONE: (302, 200, 200, 403, 200, 200, 403)}},
    "solicitations.priority_new": {"GET": {NONE: (302, 403, 403, 403, 200, 403, 403)},
                                   "POST": {NONE: (302, 403, 403, 403, 302, 403, 403)}},
    "units.unit_list": {"GET": {NONE: ADMIN_ONLY}},
    "units.unit_new": {"GET": {NONE: ADMIN_ONLY}, "POST": {NONE: ADMIN_DONE}},
    "units.unit_edit": {
        "GET": {"own_unit": ADMIN_ONLY},
        "POST": {"own_unit": ADMIN_DONE},
    },
    "units.tier_list": {"GET": {NONE: ADMIN_ONLY}},
    "units.tier_new": {"GET": {NONE: ADMIN_ONLY}, "POST": {NONE: ADMIN_DONE}},
    "units.tier_edit": {"GET": {"tier": ADMIN_ONLY}, "POST": {"tier": ADMIN_DONE}},
}

ITEM_FORM = {"title": "幸福社区开展消防安全入户宣传", "body": "组织网格员入户讲解消防知识。", "category": "work",
             "follow_up_of_id": "0"}
UNIT_FORM = {"kind": "community", "tier_id": "0", "sort_order": "0", "active": "y"}
DEFAULT_RULES = DEFAULT_RULESET_PATH.read_text(encoding="utf-8")
RULE_SET_FORM = {"name": "改过的规则集", "period_start": "2026-01-01", "period_end": "2026-11-30", "rules": DEFAULT_RULES}
def solicitation_form(w, units):
    return {"topic": "今冬明春安全生产隐患排查整治情况", "requirements": "请反映主要隐患和整改措施。",
            "deadline_date": (to_local(utcnow()).date() + timedelta(days=5)).isoformat(), "deadline_hour": "17",
            "contact_name": "王敏", "room": "309室", "phone": "0552-3012345", "email": "xinxi@chengnan.gov.cn",
            "units": [str(unit.id) for unit in units]}


# What each POST sends: valid input (bar the two password forms), so an allowed request really acts.
POST_DATA = {
    "auth.login": lambda w: {"username": "nobody", "password": "wrong-password"},
    "auth.password": lambda w: {"current": "wrong-password", "new": "new-password-1", "confirm": "new-password-1"},
    "auth.user_new": lambda w: {"username": "new_user", "name": "新用户", "unit_id": w.own.id, "roles": "reporter"},
    "auth.user_edit": lambda w: {"name": "改名用户", "unit_id": w.own.id, "roles": "reporter"},
    "bulletins.new": lambda w: {"kind": "month", "year": str(last_month().year), "month": str(last_month().month)},
    "bulletins.edit": lambda w: {"title": "关于上月政务信息报送情况的通报", "preamble": "现将有关情况通报如下。"},
    "checks.mark_duplicate_of": lambda w: {"original_id": "1", "reason": "重复报送"},
    "checks.combine": lambda w: {"title": "综合后的标题", "body": "综合后的正文。"},
    "checks.words": lambda w: {"words": "上访"},
    "items.new": lambda w: ITEM_FORM,
    "items.edit": lambda w: ITEM_FORM,
    "items.review": lambda w: {"title": "编辑改过的标题", "body": "编辑改过的正文。"},
    "items.act": lambda w: {"comment": "测试理由"},
    "items.recategorize": lambda w: {"category": "brief", "reason": "测试理由"},
    "roster.edit": lambda w: {"leader_name": "张建国", "leader_position": "党委副书记", "officers-0-name": "李晓燕",
                              "officers-0-employment": "full_time", "officers-0-mobile": "13804311234"},
    "editions.new": lambda w: {"publication_id": str(_seeded_publication().id),
                               "issued_on": to_local(utcnow()).date().isoformat()},
    "editions.settings": lambda w: {"issued_on": to_local(utcnow()).date().isoformat(), "editor_note": "编者按"},
    "editions.entries_save": lambda w: {},
    "editions.publication_new": lambda w: publication_form("专报信息"),
    "editions.publication_edit": lambda w: publication_form("《高新信息》（改）"),
    "roster.request_new": lambda w: {"deadline_on": (to_local(utcnow()).date() + timedelta(days=3)).isoformat(),
                                     "deadline_hour": "17"},
    "roster.request_edit": lambda w: {"deadline_on": (to_local(utcnow()).date() + timedelta(days=9)).isoformat(),
                                      "deadline_hour": "17"},
    "scoring.adoption_new": lambda w: {"channel": "cpc_main", "adopted_on": to_local(utcnow()).date().isoformat()},
    # the day it already has (its item was signed today): refused with a message, nothing changes
    "scoring.adoption_correct": lambda w: {"adopted_on": to_local(utcnow()).date().isoformat()},
    "scoring.instruction_new": lambda w: {"leader_name": "李明", "rank": "mayor", "text": "请抓好落实。",
                                          "instructed_on": to_local(utcnow()).date().isoformat(), "feedback_required": "y"},
    "scoring.instruction_feedback": lambda w: {"text": "已组织专题会议落实。"},
    "scoring.instruction_correct": lambda w: {"leader_name": "王强", "rank": "vice_mayor",
                                              "instructed_on": to_local(utcnow()).date().isoformat()},
    "scoring.instruction_verdict": lambda w: {"accepted": "yes"},
    "scoring.rule_set_edit": lambda w: RULE_SET_FORM,
    "scoring.rule_set_import": lambda w: {"file": (io.BytesIO(DEFAULT_RULES.encode()), "规则集.json")},
    "scoring.annual_targets": lambda w: {"submitted_none": "120", "adopted_none": "30"},
    "solicitations.new": lambda w: solicitation_form(w, [w.own]),
    "solicitations.edit": lambda w: solicitation_form(w, [w.own, w.other]),
    "solicitations.extend": lambda w: {"deadline_date": (to_local(utcnow()).date() + timedelta(days=30)).isoformat(),
                                       "deadline_hour": "17"},
    "solicitations.answer_verdict": lambda w: {"verdict": "accepted"},
    "solicitations.priority_new": lambda w: {"title": "2026年12月政务信息工作要点", "body": "一、岁末年初安全稳定。"},
    "units.unit_new": lambda w: UNIT_FORM | {"name": "新建社区", "parent_id": w.office.id},
    "units.unit_edit": lambda w: UNIT_FORM | {"name": "改名社区", "parent_id": w.office.id},
    "units.tier_new": lambda w: {"key": "key_units", "name": "重点单位", "sort_order": "0"},
    "units.tier_edit": lambda w: {"key": "renamed", "name": "改名类别", "sort_order": "1"},
    # Irreversible actions carry the confirmation (without it the answer is the page that asks).
    **dict.fromkeys(["bulletins.publish", "bulletins.delete", "editions.lock", "editions.delete", "items.delete",
                     "solicitations.close"], lambda w: {"confirmed": "1"}),
}


# ---- the objects behind each target ---------------------------------------------------------

STATES = {"draft": "draft", "awaiting": "awaiting_signoff", "submitted": "submitted", "not_adopted": "not_adopted",
          "adopted": "adopted", "research": "awaiting_signoff", "lead": "awaiting_lead"}


def _item(w, make, actor, name):
    side, state = name.split("_unit_")
    author, signer = (w.reporter, w.signer) if side == "own" else (w.other_reporter, w.other_signer)
    category = "research" if state in ("research", "lead") else "work"
    return make.item(author, STATES[state], signer=signer, editor=w.editor, category=category)


def _photo(w, make, actor, name):
    side, state = name.removesuffix("_photo").split("_unit_")
    item = None if state == "unattached" else _item(w, make, actor, f"{side}_unit_{state}")
    uploader = w.reporter if side == "own" else w.other_reporter
    upload = FileStorage(io.BytesIO(jpeg_bytes((40, 30))), filename="现场.jpg")
    photo = store_photo(upload, uploader.id, item.form_key if item else f"pending-{side}",
                        item.id if item else None, 0)
    db.session.commit()
    return photo


def _user(w, make, actor, name):
    return {"own_unit_user": lambda: make.user(w.own, "reporter"), "other_unit_user": lambda: w.other_reporter}[name]()


def _unit(w, make, actor, name):
    return {"own_unit": w.own, "other_unit": w.other}[name]


def _tier(w, make, actor, name):
    tier = save_tier(None, key="key_units", name="重点单位", sort_order=0)
    db.session.commit()
    return tier


def _adoption(w, make, actor, name):
    side, kind = name.removesuffix("_adoption").split("_unit_")
    author, signer = (w.reporter, w.signer) if side == "own" else (w.other_reporter, w.other_signer)
    item = make.item(author, "adopted" if kind == "internal" else "submitted", signer=signer, editor=w.editor)
    if kind != "internal":
        record_adoption(item.id, "cpc_main", to_local(utcnow()).date(), w.editor.id)
    if kind == "returned":  # sent back to the unit: a draft again, which the office no longer sees
        with make.app.test_request_context(method="POST"):
            transition_item(item, w.editor, "return", comment="请补充具体成效")
    db.session.commit()
    return db.session.scalar(select(Adoption).where(Adoption.item_id == item.id))


def _instruction(w, make, actor, name):
    side = name.split("_unit_")[0]
    author, signer = (w.reporter, w.signer) if side == "own" else (w.other_reporter, w.other_signer)
    item = make.item(author, "submitted", signer=signer, editor=w.editor)
    instruction = Instruction(item_id=item.id, leader_name="李明", rank="mayor", instructed_on=to_local(utcnow()).date(),
                              text="请抓好落实。", feedback_required=True, feedback_due_at=utcnow() + timedelta(days=7),
                              recorded_by_id=w.editor.id)
    if "answered" in name:
        instruction.feedback_text, instruction.feedback_at, instruction.feedback_by_id = "已落实。", utcnow(), author.id
    db.session.add(instruction)
    db.session.commit()
    return instruction


def _roster_request(w, make, actor, name):
    with make.app.test_request_context(method="POST"):
        roster_request = issue_roster_request(w.editor, utcnow() + timedelta(days=3), "请核对本单位名单")
    db.session.commit()
    return roster_request


def _solicitation(w, make, actor, name):
    unit = {"own_unit_solicitation": w.own, "other_unit_solicitation": w.other}[name]
    fields = SolicitationFields(topic="今冬明春安全生产隐患排查整治情况", requirements="请反映主要隐患和整改措施。",
                                deadline=utcnow() + timedelta(days=3), unit_ids={unit.id})
    with make.app.test_request_context(method="POST"):
        solicitation = issue_solicitation(w.editor, fields)
    db.session.commit()
    return solicitation


def _answer(w, make, actor, name):
    side = name.split("_unit_")[0]
    author, signer = (w.reporter, w.signer) if side == "own" else (w.other_reporter, w.other_signer)
    solicitation = _solicitation(w, make, actor, f"{side}_unit_solicitation")
    return make.item(author, "draft" if "draft" in name else "submitted", signer=signer, editor=w.editor,
                     solicitation_id=solicitation.id)


def last_month():
    return to_local(utcnow()).date().replace(day=1) - timedelta(days=1)


def _bulletin(w, make, actor, name):
    window = resolve_window("month", last_month().year, last_month().month)
    with make.app.test_request_context(method="POST"):
        bulletin = create_bulletin(w.editor, window)
        if name == "published_bulletin":
            publish_bulletin(w.editor, bulletin)
    db.session.commit()
    return bulletin


def _rule_set(w, make, actor, name):
    rule_set = copy_rule_set(find_active_rule_set())
    db.session.commit()
    return rule_set


def _notification(w, make, actor, name):
    owner = {"mine": actor or w.reporter, "other_unit_user": w.other_reporter}[name]
    notification = Notification(user_id=owner.id, kind="test", text="测试通知", url="/notifications")
    db.session.add(notification)
    db.session.commit()
    return notification


def _seeded_publication():
    return db.session.scalar(select(Publication).order_by(Publication.id))


def publication_form(name):
    return {"name": name, "channel_id": str(_seeded_publication().channel_id), "numbering": "yearly",
            "show_total": "y", "total_start": "0", "print_count": "30", "active": "y"}


def _edition(w, make, actor, name):
    item = make.item(w.reporter, "adopted", signer=w.signer, editor=w.editor)
    edition = Edition(publication=_seeded_publication(), issued_on=to_local(utcnow()).date(), editor_note="",
                      created_by_id=w.editor.id)
    edition.entries.append(EditionEntry(item=item, position=1, section="", headline=item.title))
    db.session.add(edition)
    db.session.flush()
    if name.startswith("locked"):
        with make.app.test_request_context(method="POST"):
            lock_edition(w.editor, edition)
    db.session.commit()
    return edition


def _entry(w, make, actor, name):
    edition = _edition(w, make, actor, name.replace("entry", "edition"))
    return edition.entries[0]


def _publication(w, make, actor, name):
    return _seeded_publication()


def _delivery(w, make, actor, name):
    notification = _notification(w, make, actor, "other_unit_user")
    delivery = Delivery(notification_id=notification.id, channel="webhook", status="failed", attempts=5,
                        last_error="RuntimeError: HTTP 500")
    db.session.add(delivery)
    db.session.commit()
    return delivery


def _other_item(w, make, actor, name):
    return make.item(w.other_reporter, "submitted", signer=w.other_signer, editor=w.editor)


def _sensitive_word(w, make, actor, name):
    word = SensitiveWord(word="上访", note="", created_by_id=w.admin.id)
    db.session.add(word)
    db.session.commit()
    return word


BUILDERS = {"item_id": _item, "other_id": _other_item, "word_id": _sensitive_word, "delivery_id": _delivery, "edition_id": _edition, "entry_id": _entry,
            "publication_id": _publication, "photo_id": _photo, "user_id": _user, "unit_id": _unit, "tier_id": _tier,
            "notification_id": _notification, "rule_set_id": _rule_set, "adoption_id": _adoption,
            "instruction_id": _instruction, "request_id": _roster_request, "solicitation_id": _solicitation,
            "answer_id": _answer, "bulletin_id": _bulletin}


def build_target(target, rule, w, make, actor):
    """URL values for the case and the object to watch (None for routes without an id)."""
    if target == NONE:
        return {}, None
    action, _, name = target.rpartition(":")
    values = {"action": action} if action else {}
    args = sorted(rule.arguments - {"action"})
    if not args:  # a route that takes no id but watches a row (notifications.read_all)
        return values, BUILDERS["notification_id"](w, make, actor, name)
    obj = BUILDERS[args[0]](w, make, actor, name)
    values[args[0]] = obj.id
    for extra in args[1:]:  # a second id (checks.compare's other item): built without a name of its own
        values[extra] = BUILDERS[extra](w, make, actor, name).id
    return values, obj


def snapshot(model, object_id):
    db.session.expire_all()
    obj = db.session.get(model, object_id)
    state = tuple(getattr(obj, attribute.key) for attribute in inspect(model).column_attrs
                  if isinstance(attribute.expression, Column))  # stored columns, not ones derived by a subquery
    return state + (tuple(sorted(obj.roles)),) if model is User else state


# ---- the cases, generated from the url_map --------------------------------------------------

def _routes(app):
    return {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


def _collect_endpoints() -> dict[str, set[str]]:
    """endpoint -> the names of its URL arguments."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "SECRET_KEY": "collect", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                          "UPLOAD_FOLDER": tmp})
        return {endpoint: set(rule.arguments) for endpoint, rule in sorted(_routes(app).items())}


ENDPOINTS = _collect_endpoints()


def _targets(endpoint):
    methods = EXPECTATIONS.get(endpoint, {})
    return list(dict.fromkeys(t for method in ("GET", "POST") for t in methods.get(method, {}))) or [NONE]


CASES = [
    pytest.param(endpoint, role, target, id="-".join([endpoint, role] + ([target] if target != NONE else [])))
    for endpoint in ENDPOINTS
    for target in _targets(endpoint)
    for role in ROLES
]


def test_expectations_match_url_map(app):
    routes = _routes(app)
    missing, stale = sorted(set(routes) - set(EXPECTATIONS)), sorted(set(EXPECTATIONS) - set(routes))
    assert not missing and not stale, f"routes without a row in EXPECTATIONS: {missing}; rows for gone routes: {stale}"
    for endpoint, rule in routes.items():
        table = EXPECTATIONS[endpoint]
        assert set(table) == rule.methods & HTTP_METHODS, f"{endpoint}: methods differ from the route"
        for method, rows in table.items():
            for target, row in rows.items():
                assert len(row) == len(ROLES), f"{endpoint} {method} {target}: one code per role"
                assert set(row) <= {200, 204, 302, 403, 404, DONE, KEPT, GONE}, f"{endpoint} {method} {target}"
                if rule.arguments - {"action"}:
                    assert target != NONE, f"{endpoint} takes an id: name the object for each case"
    acted = {target.split(":")[0] for target in EXPECTATIONS["items.act"]["POST"]}
    assert acted == set(TRANSITIONS), "every workflow action needs rows in items.act"


def actor_of(make, world, role):
    # The world has no 主管领导 of its own: most tests never need one.
    return make.supervisor_of(world.own) if role == "supervisor" else getattr(world, role)


@pytest.mark.parametrize("endpoint, role, target", CASES)
def test_permission(app, client, make, world, endpoint, role, target):
    if endpoint not in EXPECTATIONS:
        pytest.fail(f"{endpoint} is in app.url_map but has no row in EXPECTATIONS")
    rule = _routes(app)[endpoint]
    actor = None if role == "anonymous" else actor_of(make, world, role)
    values, watched = build_target(target, rule, world, make, actor)
    data = POST_DATA.get(endpoint, lambda w: {})(world)
    if isinstance(watched, (Item, Solicitation)):
        data = data | {"version": watched.version}  # their edit forms carry the version they showed
    key = (type(watched), watched.id) if watched is not None else None
    before = snapshot(*key) if key else None
    with app.test_request_context():
        url = url_for(endpoint, **values)
    if actor is not None:
        login(client, actor)

    problems = []
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(record, app)
    for method in ("GET", "POST"):
        if target not in EXPECTATIONS[endpoint].get(method, {}):
            continue
        expected = EXPECTATIONS[endpoint][method][target][ROLES.index(role)]
        rendered.clear()
        response = client.open(url, method=method, data=data if method == "POST" else None)
        response.close()  # a sent photo holds its file open until closed
        problems += [f"{method} {url}: {problem}" for problem in check_security_headers(response)]
        if response.mimetype == "text/html":
            # Rendering a PDF while answering with a redirect is fine (a bulletin's documents are made
            # at publishing); a page built from a pdf/ template is not.
            if response.status_code == 200 and any(name.startswith("pdf/") for name in rendered):
                problems.append(f"{method} {url}: a pdf/ template served as HTML: {rendered}")
            page = response.get_data(as_text=True)
            problems += [f"{method} {url}: {name} in the page" for name, pattern in INLINE_CODE.items() if pattern.search(page)]
        if response.status_code == 200 and response.mimetype != "text/html":  # a file: photo, PDF, export
            disposition = response.headers.get("Content-Disposition", "")
            if not SAFE_DISPOSITION.fullmatch(disposition):
                problems.append(f"{method} {url}: a file sent with Content-Disposition {disposition!r}")
        status = 302 if expected in (DONE, KEPT, GONE) else expected
        if response.status_code != status:
            problems.append(f"{method} {url}: expected {status}, got {response.status_code}")
        elif status == 302 and role == "anonymous" and urlsplit(response.location).path != "/login":
            problems.append(f"{method} {url}: anonymous redirected to {response.location}, not /login")
        if key and (role == "anonymous" or expected in (403, 404, KEPT)) and snapshot(*key) != before:
            problems.append(f"{method} {url}: refused, yet {key[0].__name__} {key[1]} changed")
        if expected == GONE:
            db.session.expire_all()
            if db.session.get(key[0], key[1]) is not None:
                problems.append(f"{method} {url}: {key[0].__name__} {key[1]} should be gone")
        if expected == DONE:
            wanted = TRANSITIONS[values["action"]].target
            db.session.expire_all()
            if (got := db.session.get(Item, key[1]).status) != wanted:
                problems.append(f"{method} {url}: item should be {wanted}, is {got}")
    template_rendered.disconnect(record, app)
    assert not problems, "\n".join(problems)


ALLOWED = {200, 302, DONE, KEPT, GONE}


def _missing_id_cases():
    """Each route taking an id × method, with the first role allowed on some object there."""
    cases = []
    for endpoint, methods in EXPECTATIONS.items():
        if not ENDPOINTS.get(endpoint, set()) - {"action"}:
            continue
        for method, rows in methods.items():
            targets = [t for t in rows if t != NONE]
            roles = [role for role in ROLES[1:] if any(rows[t][ROLES.index(role)] in ALLOWED for t in targets)]
            if targets and roles:
                action = targets[0].rpartition(":")[0]
                cases.append(pytest.param(endpoint, method, roles[0], action, id=f"{endpoint}-{method}-{roles[0]}"))
    return cases


@pytest.mark.parametrize("endpoint, method, role, action", _missing_id_cases())
def test_an_id_that_does_not_exist_is_404_for_a_role_allowed_there(app, client, make, world, endpoint, method, role,
                                                                   action):
    rule = _routes(app)[endpoint]
    values = {name: 10**9 for name in rule.arguments - {"action"}} | ({"action": action} if action else {})
    with app.test_request_context():
        url = url_for(endpoint, **values)
    login(client, actor_of(make, world, role))
    response = client.open(url, method=method, data=POST_DATA.get(endpoint, lambda w: {})(world))
    assert response.status_code == 404, f"{method} {url} as {role}"
