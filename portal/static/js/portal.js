/* Small helpers for a phone on a weak link; every page works without them (progressive enhancement).
   Strict CSP: no inline code anywhere, so everything is wired here by delegation. */
(function () {
  "use strict";
  var NET = "网络连接失败，请稍后重试。已填写的内容仍在本页，可直接再次提交。";
  var PHOTO_BYTES = 280 * 1024;

  function alertBox() {
    var box = document.getElementById("net-alert"), main = document.querySelector("main");
    if (!box && main) {
      box = document.createElement("p");
      box.id = "net-alert";
      box.className = "flash error";
      box.setAttribute("role", "alert");
      main.insertBefore(box, main.firstChild);
    }
    return box;
  }
  function say(text) {
    var box = alertBox();
    if (box) { box.textContent = text; box.hidden = false; }
  }
  function quiet() {
    var box = document.getElementById("net-alert");
    if (box) box.hidden = true;
  }
  function controls(elt) {
    return elt.tagName === "FORM" ? Array.prototype.slice.call(elt.querySelectorAll("button")) : [elt];
  }
  function busy(elt, on) {
    controls(elt).forEach(function (c) {
      if (c.tagName === "BUTTON") c.disabled = on;
      c.classList.toggle("busy", on);
      if (on) c.setAttribute("aria-busy", "true"); else c.removeAttribute("aria-busy");
    });
  }

  // Every HTMX action: its buttons are disabled while in flight; a failure says so and changes nothing.
  document.addEventListener("htmx:beforeRequest", function (e) { busy(e.detail.elt, true); });
  document.addEventListener("htmx:afterRequest", function (e) {
    busy(e.detail.elt, false);
    if (e.detail.successful) quiet();
  });
  document.addEventListener("htmx:sendError", function () { say(NET); });
  document.addEventListener("htmx:timeout", function () { say(NET); });
  document.addEventListener("htmx:responseError", function (e) {
    var status = e.detail.xhr.status;
    say(status === 413 ? "上传内容过大，请减少照片数量后再试。" : status === 403 ? "您没有权限进行此操作。"
      : "服务器暂时无法处理（" + status + "），请稍后重试。");
  });

  // Drafts: what is typed is kept in localStorage until the server has it, so a dropped connection
  // or a closed tab loses nothing. The stored form_key goes back too: a retry then cannot file twice.
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.type !== "file" && el.type !== "submit";
    });
  }
  function snapshot(form) {
    var values = {};
    fields(form).forEach(function (el) { values[el.name] = el.type === "checkbox" ? el.checked : el.value; });
    return values;
  }
  function differs(form, values) {
    return fields(form).some(function (el) {
      return el.name !== "form_key" && el.name in values &&
        (el.type === "checkbox" ? el.checked : el.value) !== values[el.name];
    });
  }
  function restore(form, values) {
    fields(form).forEach(function (el) {
      if (!(el.name in values)) return;
      if (el.type === "checkbox") el.checked = values[el.name]; else el.value = values[el.name];
    });
  }
  function offer(form, key, draft) {
    var box = document.createElement("div"), when = new Date(draft.at);
    box.className = "card draft-offer";
    box.setAttribute("role", "alert");
    box.innerHTML = "<p>本机保存有 " + when.getHours() + ":" + ("0" + when.getMinutes()).slice(-2) +
      " 尚未提交的内容，是否恢复？</p><div class=\"buttons\"><button type=\"button\" class=\"primary\">恢复未提交内容</button>" +
      "<button type=\"button\">放弃</button></div>";
    var buttons = box.querySelectorAll("button");
    buttons[0].addEventListener("click", function () { restore(form, draft.values); box.remove(); });
    buttons[1].addEventListener("click", function () { localStorage.removeItem(key); box.remove(); });
    form.parentNode.insertBefore(box, form);
  }
  function watchDraft(form) {
    var key = "draft:" + form.getAttribute("data-draft"), initial = snapshot(form), draft = null;
    try { draft = JSON.parse(localStorage.getItem(key)); } catch (ignored) { draft = null; }
    if (draft && draft.values && differs(form, draft.values)) offer(form, key, draft);
    form.addEventListener("input", function () {
      var values = snapshot(form);
      if (!differs(form, initial) && !draft) return;
      try { localStorage.setItem(key, JSON.stringify({at: Date.now(), values: values})); } catch (ignored) { /* full */ }
    });
    form.addEventListener("htmx:afterRequest", function (e) {
      // Saved: the server answered with another page (the item). A re-rendered form keeps the draft.
      var landed = e.detail.xhr.responseURL || "";
      if (e.detail.successful && landed.indexOf(form.getAttribute("action")) === -1) localStorage.removeItem(key);
    });
  }

  // An explicit 退出 forgets this browser's unsent drafts (a shared office computer); a session that
  // merely expired keeps them, so the owner can log in again and restore what was typed.
  document.addEventListener("submit", function (e) {
    if (!e.target.hasAttribute || !e.target.hasAttribute("data-clear-drafts")) return;
    try {
      Object.keys(localStorage).forEach(function (key) {
        if (key.indexOf("draft:") === 0) localStorage.removeItem(key);
      });
    } catch (ignored) { /* storage unavailable */ }
  });

  // Photos: a phone photo of several MB is scaled down here before it travels; the server still
  // checks and re-encodes whatever arrives, and a browser without these APIs sends the original.
  function toJpeg(file, side) {
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height)), quality = 0.82;
      function attempt() {
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        return new Promise(function (done) { canvas.toBlob(done, "image/jpeg", quality); }).then(function (blob) {
          if (blob.size <= PHOTO_BYTES || scale < 0.2) return blob;
          if (quality > 0.6) quality -= 0.12; else scale *= 0.8;
          return attempt();
        });
      }
      return attempt().finally(function () { bitmap.close(); });
    }).then(function (blob) {
      return new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", {type: "image/jpeg"});
    });
  }
  function shrinkPhotos(input) {
    var files = Array.prototype.slice.call(input.files), form = input.form, side = +input.getAttribute("data-max-side");
    if (!files.length || !window.createImageBitmap || !window.DataTransfer) return;
    busy(form, true);
    var list = new DataTransfer();
    // One photo at a time: nine decoded 12-megapixel photos at once would exhaust a phone's memory.
    files.reduce(function (done, file) {
      return done.then(function () {
        return file.size > PHOTO_BYTES && /^image\//.test(file.type) ? toJpeg(file, side).catch(function () { return file; }) : file;
      }).then(function (shrunk) { list.items.add(shrunk); });
    }, Promise.resolve()).then(function () { input.files = list.files; }).finally(function () { busy(form, false); });
  }

  function setUp(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-draft]"), function (form) {
      if (form.hasAttribute("data-ready")) return;
      form.setAttribute("data-ready", "");
      watchDraft(form);
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches("input[type=file][data-max-side]")) shrinkPhotos(e.target);
  });
  // 复制到公众号: the button puts the article's inline-styled HTML (kept as the text of a textarea, see
  // wechat/article.html) on the clipboard as rich text, its plain text (another textarea) beside it.
  // Through a copy event rather than navigator.clipboard: that exists only on https pages (an intranet
  // portal often is not), and it parses the HTML against this page's CSP, which refuses inline styles.
  function copyHtml(button) {
    var html = document.getElementById(button.getAttribute("data-copy-html")).value;
    var text = document.getElementById(button.getAttribute("data-copy-text")).value;
    var status = document.querySelector("[data-copy-status]");
    var put = function (e) {
      e.clipboardData.setData("text/html", html);
      e.clipboardData.setData("text/plain", text);
      e.preventDefault();
    };
    var copied = false;
    document.addEventListener("copy", put);
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    document.removeEventListener("copy", put);
    if (status) status.textContent = copied ? "已复制，请到公众号编辑器中粘贴。" : "浏览器不允许复制，请选中下方内容后复制。";
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-copy-html]");
    if (button) copyHtml(button);
  });
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-copy-html]"), function (b) { b.hidden = false; });
  });
  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:load", function (e) { setUp(e.detail.elt.parentNode || document); });
})();
