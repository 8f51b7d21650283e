/* Small helpers for a phone on a weak link; every page works without them (progressive enhancement).
   Strict CSP: no inline code anywhere, so everything is wired here by delegation. */
(() => {
  "use strict";
  const NET = "网络连接失败，请稍后重试。已填写的内容仍在本页，可直接再次提交。";
  const GONE = "登录已失效，内容已保存在本机，请重新登录后提交";
  const PHOTO_BYTES = 280 * 1024, MINUTE = 60000;
  const all = (root, selector) => Array.from(root.querySelectorAll(selector));
  let pressed = null, uploading = null, seen = Date.now(), dirty = false;
  document.addEventListener("click", (e) => { pressed = e.target.closest("button"); }, true);

  function note(id, anchor, html) {
    let box = document.getElementById(id);
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.className = "flash error";
      box.setAttribute("role", "alert");
    }
    anchor.parentNode.insertBefore(box, anchor.nextSibling);
    box.innerHTML = html;
    box.hidden = false;
    return box;
  }
  // A failure is said beside the button that was pressed (or the form's first button): where the eye is.
  function say(elt, text) {
    let at = elt && elt.tagName === "FORM" ? (elt.contains(pressed) && pressed.closest(".buttons") ? pressed : elt.querySelector(".buttons button")) : elt;
    at = at && at !== document.body ? at.closest(".buttons") || at : document.querySelector("main").firstChild;
    note("net-alert", at, "").textContent = text;
  }
  function hide(id) {
    const box = document.getElementById(id);
    if (box) box.hidden = true;
  }
  function busy(elt, on) {
    (elt.tagName === "FORM" ? all(elt, "button") : [elt]).forEach((c) => {
      if (c.tagName === "BUTTON") c.disabled = on;
      c.classList.toggle("busy", on);
      if (on) c.setAttribute("aria-busy", "true"); else c.removeAttribute("aria-busy");
    });
  }

  // Every HTMX action: its buttons are disabled while in flight; a failure says so and changes nothing.
  document.addEventListener("htmx:beforeRequest", (e) => busy(e.detail.elt, true));
  document.addEventListener("htmx:afterRequest", (e) => {
    busy(e.detail.elt, false);
    if (e.detail.successful) { hide("net-alert"); seen = Date.now(); }
  });
  const offline = (e) => say(e.detail.elt, NET);
  document.addEventListener("htmx:sendError", offline);
  document.addEventListener("htmx:timeout", offline);
  document.addEventListener("htmx:responseError", (e) => {
    const status = e.detail.xhr.status;
    say(e.detail.elt, status === 413 ? "上传内容过大，请减少照片数量后再试。" : status === 403 ? "您没有权限进行此操作。"
      : "服务器暂时无法处理（" + status + "），请稍后重试。");
  });

  // Irreversible actions ask first; without scripts the server answers with a confirmation page instead.
  // An explicit 退出 forgets this browser's unsent drafts (a shared office computer); a session that
  // merely expired keeps them, so the owner can log in again and restore what was typed.
  document.addEventListener("submit", (e) => {
    const form = e.target, question = form.getAttribute("data-confirm");
    if (form.hasAttribute("data-clear-drafts")) {
      try { Object.keys(localStorage).forEach((k) => { if (k.startsWith("draft:")) localStorage.removeItem(k); }); }
      catch (ignored) { /* storage unavailable */ }
    }
    if (!question || form.elements.confirmed.value) return;
    if (confirm(question)) form.elements.confirmed.value = "1";
    else { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);

  // Drafts: what is typed is kept in localStorage until the server says it has this very item (the
  // page after a save carries data-saved with its form_key), so an expired login, a dropped connection
  // or a closed tab loses nothing. The stored form_key goes back too: a retry then cannot file twice.
  const fields = (form) => Array.from(form.elements).filter((el) =>
    el.name && el.name !== "csrf_token" && el.type !== "file" && el.type !== "submit");
  const value = (el) => (el.type === "checkbox" ? el.checked : el.value);
  function snapshot(form) {
    const values = {};
    fields(form).forEach((el) => { values[el.name] = value(el); });
    return values;
  }
  const differs = (form, values) => fields(form).some((el) =>
    el.name !== "form_key" && el.name in values && value(el) !== values[el.name]);
  function offer(form, key, draft) {
    const box = document.createElement("div"), when = new Date(draft.at), photos = draft.photos || [];
    box.className = "card draft-offer";
    box.setAttribute("role", "alert");
    box.innerHTML = "<p>本机保存有 " + when.getHours() + ":" + ("0" + when.getMinutes()).slice(-2) +
      " 尚未提交的内容，是否恢复？</p>" + (photos.length ? "<p>照片需重新选择：<span></span></p>" : "") +
      "<div class=\"buttons\"><button type=\"button\" class=\"primary\">恢复未提交内容</button><button type=\"button\">放弃</button></div>";
    if (photos.length) box.querySelector("span").textContent = photos.join("、");
    const [yes, no] = all(box, "button");
    yes.addEventListener("click", () => {
      fields(form).forEach((el) => {
        if (!(el.name in draft.values)) return;
        if (el.type === "checkbox") el.checked = draft.values[el.name]; else el.value = draft.values[el.name];
      });
      box.remove();
    });
    no.addEventListener("click", () => { localStorage.removeItem(key); box.remove(); });
    form.parentNode.insertBefore(box, form);
  }
  function watchDraft(form) {
    const key = "draft:" + form.getAttribute("data-draft"), initial = snapshot(form);
    let draft = null;
    try { draft = JSON.parse(localStorage.getItem(key)); } catch (ignored) { draft = null; }
    if (draft && draft.values && differs(form, draft.values)) offer(form, key, draft);
    const keep = () => {
      if (!differs(form, initial) && !draft) return;
      dirty = true;
      const photos = all(form, "input[type=file]").flatMap((input) => Array.from(input.files, (f) => f.name));
      try { localStorage.setItem(key, JSON.stringify({at: Date.now(), values: snapshot(form), photos})); } catch (ignored) { /* full */ }
      if (Date.now() - seen > 4 * MINUTE) alive();  // typing counts as activity: the login stays alive
    };
    form.addEventListener("input", keep);
    form.addEventListener("change", keep);
  }
  function forgetSaved(root) {
    all(root, "[data-saved]").forEach((marker) => {
      dirty = false;
      for (const key of Object.keys(localStorage)) {
        try {
          const draft = JSON.parse(localStorage.getItem(key));
          if (key.startsWith("draft:") && draft.values.form_key === marker.getAttribute("data-saved")) localStorage.removeItem(key);
        } catch (ignored) { /* not ours */ }
      }
    });
  }

  // Near the idle timeout a page with unsaved typing says so; a tap (or more typing) keeps the login.
  // The warning's words are in the page (base.html), which keeps this script within its byte budget.
  const idleBox = document.getElementById("idle-alert");
  function alive() {
    seen = Date.now();
    fetch("/account/alive", {credentials: "same-origin", redirect: "manual"}).then((answer) => {
      if (answer.status !== 204) throw answer;
      idleBox.hidden = true;
    }).catch(() => { idleBox.textContent = GONE; });
  }
  if (idleBox) idleBox.querySelector("button").addEventListener("click", alive);
  setInterval(() => {
    const idle = +document.body.getAttribute("data-idle") * 1000, left = seen + idle - Date.now();
    if (!dirty || !idle || left > 3 * MINUTE || !idleBox.hidden) return;
    idleBox.querySelector("b").textContent = Math.max(1, Math.round(left / MINUTE));
    idleBox.hidden = false;
  }, 15000);

  // Photos: a phone photo of several MB is scaled down here before it travels; the server still
  // checks and re-encodes whatever arrives, and a browser without these APIs sends the original.
  function toJpeg(file, side) {
    return createImageBitmap(file).then((bitmap) => {
      let scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height)), quality = 0.82;
      function attempt() {
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        return new Promise((done) => canvas.toBlob(done, "image/jpeg", quality)).then((blob) => {
          if (blob.size <= PHOTO_BYTES || scale < 0.2) return blob;
          if (quality > 0.6) quality -= 0.12; else scale *= 0.8;
          return attempt();
        });
      }
      return attempt().finally(() => bitmap.close());
    }).then((blob) => new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", {type: "image/jpeg"}));
  }
  function shrinkPhotos(input) {
    const files = Array.from(input.files), form = input.form, side = +input.getAttribute("data-max-side");
    if (!files.length || !window.createImageBitmap || !window.DataTransfer) return;
    busy(form, true);
    const list = new DataTransfer();
    // One photo at a time: nine decoded 12-megapixel photos at once would exhaust a phone's memory.
    files.reduce((done, file) => done.then(() =>
      file.size > PHOTO_BYTES && /^image\//.test(file.type) ? toJpeg(file, side).catch(() => file) : file
    ).then((shrunk) => list.items.add(shrunk)), Promise.resolve())
      .then(() => { input.files = list.files; }).finally(() => busy(form, false));
  }

  // Photos chosen are shown at once, each with its caption field (new-caption-<n>, saved with it);
  // while the form travels, how far it got (正在上传 3/9) and a cancel.
  // The boxes for both, and the words said on a cancel, are in the page (items/form.html).
  function preview(input) {
    input.form.querySelector(".previews").replaceChildren(...Array.from(input.files, (file, n) => {
      const row = document.createElement("label");
      row.innerHTML = "<img alt=\"\"><span>新照片" + (n + 1) + "说明</span><input maxlength=200 name=new-caption-" + n + ">";
      row.firstChild.src = URL.createObjectURL(file);
      return row;
    }));
  }
  document.addEventListener("htmx:xhr:progress", (e) => {
    const form = e.target, total = e.detail.total, box = document.getElementById("upload-progress");
    const photos = box ? all(form, "input[type=file]").reduce((n, input) => n + input.files.length, 0) : 0;
    if (!photos || !total) return;
    uploading = form;
    box.hidden = false;
    box.querySelector("button").onclick = () => htmx.trigger(form, "htmx:abort");
    box.querySelector("progress").value = e.detail.loaded / total;
    box.querySelector("span").textContent = "正在上传 " + Math.max(1, Math.ceil(e.detail.loaded / total * photos)) + "/" + photos;
  });
  document.addEventListener("htmx:afterRequest", () => hide("upload-progress"));
  document.addEventListener("htmx:sendAbort", () => say(uploading, document.getElementById("upload-progress").dataset.cancelled));

  function setUp(root) {
    forgetSaved(root);
    all(root, "[data-copy-html]").forEach((b) => { b.hidden = false; });
    all(root, "form[data-draft]:not([data-ready])").forEach((form) => {
      form.setAttribute("data-ready", "");
      watchDraft(form);
    });
  }
  document.addEventListener("change", (e) => {
    if (!e.target.matches("input[type=file][data-max-side]")) return;
    preview(e.target);
    shrinkPhotos(e.target);
  });
  // 复制到公众号: the article's inline-styled HTML (the text of a textarea, see wechat/article.html) goes
  // on the clipboard as rich text, its plain text beside it. Through a copy event rather than
  // navigator.clipboard: that exists only on https pages, and it parses the HTML against this page's CSP.
  document.addEventListener("click", (e) => {
    const button = e.target.closest && e.target.closest("[data-copy-html]");
    if (!button) return;
    const value = (name) => document.getElementById(button.getAttribute(name)).value;
    const put = (c) => { c.clipboardData.setData("text/html", value("data-copy-html"));
      c.clipboardData.setData("text/plain", value("data-copy-text")); c.preventDefault(); };
    let copied = false;
    document.addEventListener("copy", put);
    try { copied = document.execCommand("copy"); } catch (ignored) { /* refused */ }
    document.removeEventListener("copy", put);
    const status = document.querySelector("[data-copy-status]");
    // the page carries the words (the script's byte budget is tight)
    if (status) status.textContent = status.getAttribute(copied ? "data-done" : "data-refused");
  });
  document.addEventListener("DOMContentLoaded", () => setUp(document));
  document.addEventListener("htmx:load", (e) => setUp(e.detail.elt.parentNode || document));
})();
