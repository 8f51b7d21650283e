"""Content warnings: the matchers on Chinese text (full-width, mixed scripts, spaced numbers), and the
reporter's and signer's view through the real routes, with the signer's decision recorded."""
import json

import ahocorasick
from sqlalchemy import select

from portal.checks.models import SensitiveWord, WarningReview
from portal.checks.warnings import (
    CLASSIFICATION_MARKS,
    FormLimits,
    build_matcher,
    find_form_hints,
    find_personal_data,
    find_words,
    is_id_number,
    passes_luhn,
)
from portal.extensions import db
from portal.items.models import Item
from tests.conftest import login

ID_NUMBER = "110101199003077774"  # a valid check digit (GB 11643)
CARD = "6222021234567890128"  # passes Luhn
LIMITS = FormLimits(title_chars=40, brief_chars=300, event_categories=("work", "emergency", "opinion"))


def messages(warnings):
    return [warning.message for warning in warnings]


def test_id_numbers_need_a_valid_check_digit():
    assert is_id_number(ID_NUMBER) and is_id_number("11010519491231002X")
    assert not is_id_number("110101199003077775")
    found = messages(find_personal_data(f"居民张某（身份证号{ID_NUMBER}）反映"))
    assert found == ["疑似公民身份证号码 110***********7774：请删除或隐去"]
    assert find_personal_data("居民张某（身份证号110101199003077775）反映") == []


def test_full_width_digits_spaces_and_mixed_scripts_in_an_id_number():
    full_width = "身份证：１１０１０１１９９００３０７７７７４。"
    spaced = "身份证 110101 19900307 7774，联系电话138 0013 8000"
    assert len(find_personal_data(full_width)) == 1
    assert messages(find_personal_data(spaced)) == ["疑似公民身份证号码 110***********7774：请删除或隐去",
                                                    "含手机号码 138****8000：涉及群众个人信息的请隐去"]
    lower_x = find_personal_data("ID No.11010519491231002x号")
    assert len(lower_x) == 1


def test_bank_cards_need_luhn_and_are_not_mistaken_for_id_numbers():
    assert passes_luhn(CARD) and not passes_luhn("6222021234567890127")
    assert messages(find_personal_data(f"补助发放至银行卡{CARD}")) == ["疑似银行卡号 622************0128：请删除或隐去"]
    assert find_personal_data("补助发放至银行卡6222021234567890127") == []
    assert len(find_personal_data(f"身份证{ID_NUMBER}")) == 1  # the ID number alone, not also a "card"


def test_a_long_number_is_not_a_mobile_number():
    assert find_personal_data("项目编号2026113800138000123") == []
    assert find_personal_data("投资13800138000元") != []  # 11 digits starting 13x: a phone, however written


def test_classification_markings_and_words_in_one_pass():
    matcher = build_matcher([("classified", mark) for mark in CLASSIFICATION_MARKS] + [("sensitive", "上访"),
                                                                                       ("sensitive", "ＶＩＰ")])
    found = find_words(matcher, "本材料系内部 资料（机密★1年），村民集体上访；vip通道")
    assert messages(found) == [
        "出现密级标志“内部资料”：涉密信息不上网，涉密内容不得通过本平台报送",
        "出现密级标志“机密”：涉密信息不上网，涉密内容不得通过本平台报送",
        "含敏感词“上访”，请核实是否适合报送",
        "含敏感词“ＶＩＰ”，请核实是否适合报送",
    ]
    assert find_words(matcher, "社区开展垃圾分类宣传") == []


def test_form_hints():
    hints = messages(find_form_hints("标" * 41, "字" * 301, "brief", False, 2, LIMITS))
    assert hints == ["标题41字，建议不超过40字", "简讯正文301字，简讯一般不超过300字", "有2张照片没有说明（图片说明）"]
    assert messages(find_form_hints("社区开展消防演练", "正文", "work", False, 0, LIMITS)) == [
        "没有填写事件结束时间：一般事件应在结束后2小时内报送，重大事件4小时内"]
    assert find_form_hints("社区开展消防演练", "正文", "work", True, 0, LIMITS) == []


ITEM = {"title": "幸福社区为困难群众办理临时救助", "category": "work", "follow_up_of_id": "0",
        "event_end": "2026-11-20T10:00"}


def test_reporter_is_warned_on_save_and_the_signers_decision_is_recorded(app, client, world):
    login(client, world.reporter)
    body = f"为居民王某（身份证号{ID_NUMBER}，电话13800138000）办理临时救助。本信息为内部资料。"
    response = client.post("/items/new", data=ITEM | {"body": body, "intent": "send"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    warnings = page[page.index('<section class="card warnings"'):].split("</section>")[0]
    assert "报送前请注意（3项提醒）" in warnings and "110***********7774" in warnings and ID_NUMBER not in warnings
    assert "密级标志" in warnings and "138****8000" in warnings
    item = db.session.scalar(select(Item))
    assert item.status == "awaiting_signoff"  # warnings never block

    signer = app.test_client()
    login(signer, world.signer)
    queue = signer.get("/signoff").get_data(as_text=True)
    assert f'/items/{item.id}"' in queue and "3项提醒" in queue
    page = signer.get(f"/items/{item.id}").get_data(as_text=True)
    assert "报送前请注意（3项提醒）" in page and "审签或退回时，上述提醒和您的决定将一并记录" in page
    signer.post(f"/items/{item.id}/act/sign", data={})
    review = db.session.scalar(select(WarningReview))
    assert (review.item_id, review.actor_id, review.decision) == (item.id, world.signer.id, "sign")
    shown = json.loads(review.warnings)
    assert [w["kind"] for w in shown] == ["classified", "personal", "personal"]
    assert ID_NUMBER not in review.warnings and "110***********7774" in review.warnings

    editor = app.test_client()
    login(editor, world.editor)
    page = editor.get(f"/items/{item.id}").get_data(as_text=True)
    assert "审签时的提醒记录" in page and "审签报送，当时提醒3项" in page and "报送前请注意" not in page


def test_a_return_is_recorded_too_and_a_clean_item_shows_no_warnings(app, client, world, make):
    item = make.item(world.reporter, "awaiting_signoff", title="幸福社区开展垃圾分类宣传",
                     body="组织志愿者入户宣传。", category="experience")
    login(client, world.signer)
    assert "项提醒" not in client.get("/signoff").get_data(as_text=True)
    assert "报送前请注意" not in client.get(f"/items/{item.id}").get_data(as_text=True)
    client.post(f"/items/{item.id}/act/return", data={"comment": "请补充成效"})
    review = db.session.scalar(select(WarningReview))
    assert (review.decision, json.loads(review.warnings)) == ("return", [])


def test_admin_maintains_the_sensitive_words_and_reporters_are_warned(app, client, world, make):
    login(client, world.admin)
    assert "密级标志（绝密、机密、秘密、内部资料等）始终检查" in client.get("/admin/sensitive-words").get_data(as_text=True)
    empty = client.post("/admin/sensitive-words", data={"words": "  "}).get_data(as_text=True)
    assert "请填写敏感词" in empty
    client.post("/admin/sensitive-words", data={"words": "群体性事件\n上访，群体性事件", "note": "维稳"})
    assert sorted(db.session.scalars(select(SensitiveWord.word))) == ["上访", "群体性事件"]
    item = make.item(world.reporter, title="某小区业主上访情况", body="部分业主到街道上访，反映物业问题。",
                     category="opinion", event_end_at=None)
    reporter = app.test_client()
    login(reporter, world.reporter)
    assert "含敏感词“上访”" in reporter.get(f"/items/{item.id}").get_data(as_text=True)

    word = db.session.scalar(select(SensitiveWord).where(SensitiveWord.word == "上访"))
    client.post(f"/admin/sensitive-words/{word.id}/delete")
    assert "含敏感词“上访”" not in reporter.get(f"/items/{item.id}").get_data(as_text=True)
    assert client.post(f"/admin/sensitive-words/{word.id}/delete").status_code == 404


def test_thousands_of_words_in_one_pass():
    words = [("sensitive", f"词{index:05d}") for index in range(5000)] + [("sensitive", "群体性事件")]
    matcher = build_matcher(words)
    text = "社区开展垃圾分类宣传。" * 200 + "词04321与群体性事件"
    # One pass whatever the number of words: the matcher is a built Aho-Corasick automaton, not a list
    # tried word by word (a structural check: the suite asserts no timings).
    assert matcher.kind == ahocorasick.AHOCORASICK and len(matcher) == 5001
    found = find_words(matcher, text)
    assert messages(found) == ["含敏感词“词04321”，请核实是否适合报送", "含敏感词“群体性事件”，请核实是否适合报送"]
