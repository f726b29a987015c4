/* Sahayatri chat widget. One <script> tag embeds it:
   <script src="https://HOST/widget.js" data-lang="ne" data-title="…" data-color="#b5122e"
           data-position="right" data-storage="session" data-exit-url="https://www.wikipedia.org" defer></script>
   No framework and no third-party requests: everything comes from the script's own origin. */
(function () {
  "use strict";
  var script = document.currentScript;
  var cfg = script ? script.dataset : {};
  var api = (cfg.api || new URL(script.src).origin).replace(/\/$/, "");
  var store = cfg.storage === "local" ? window.localStorage : window.sessionStorage;
  var KEY = "sahayatri:";
  var lang = store.getItem(KEY + "lang") || (cfg.lang === "en" ? "en" : "ne");
  var conversation = store.getItem(KEY + "conversation");
  var pending = JSON.parse(store.getItem(KEY + "pending") || "[]");
  var lastSeen = Number(store.getItem(KEY + "last") || 0);
  var strings = {};
  var sending = false;

  var host = document.createElement("div");
  host.setAttribute("data-sahayatri", "");
  var root = host.attachShadow({ mode: "open" });
  var color = /^#[0-9a-fA-F]{3,8}$/.test(cfg.color || "") ? cfg.color : "#b5122e";
  var side = cfg.position === "left" ? "left" : "right";
  // The stylesheet is built here (the colour and side are the host page's options) and adopted
  // as a constructed sheet, which a strict Content-Security-Policy (no 'unsafe-inline')
  // allows; browsers without constructed sheets get a <style> element instead.
  var css =
    ":host{all:initial}*{box-sizing:border-box;font-family:'Noto Sans Devanagari','Mukta',system-ui,sans-serif}" +
    ".open{position:fixed;bottom:16px;" + side + ":16px;min-height:48px;padding:0 18px;border:0;border-radius:24px;background:" + color + ";color:#fff;font-size:16px;z-index:2147483000;cursor:pointer}" +
    ".panel{position:fixed;bottom:0;" + side + ":0;width:min(100vw,380px);height:min(100vh,600px);display:flex;flex-direction:column;background:#fff;border:1px solid #ccc;z-index:2147483001;color:#111}" +
    ".panel[hidden]{display:none}" +
    "header{display:flex;align-items:center;gap:6px;padding:8px;background:" + color + ";color:#fff}" +
    "header h2{flex:1;margin:0;font-size:16px}" +
    "header button{min-height:44px;min-width:44px;border:1px solid #fff;border-radius:6px;background:transparent;color:#fff;font-size:14px;cursor:pointer}" +
    ".log{flex:1;overflow-y:auto;padding:8px;font-size:17px;line-height:1.6}" +
    ".msg{margin:6px 0;padding:8px 10px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere;max-width:92%}" +
    ".user{background:#e8f0fe;margin-left:auto}.bot,.system{background:#f3f3f3}.counsellor{background:#fff4d6;border:1px solid #e0b94a}" +
    ".who{display:block;font-size:13px;font-weight:bold}.pending{opacity:.6}.note{font-size:13px;color:#555}" +
    ".choices{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 10px}" +
    ".choices button,.actions button{min-height:44px;padding:6px 12px;border:1px solid " + color + ";border-radius:18px;background:#fff;color:" + color + ";font-size:15px;cursor:pointer}" +
    ".actions{display:flex;flex-wrap:wrap;align-items:center;gap:6px;padding:6px 8px;border-top:1px solid #eee}.privacy{font-size:14px;padding:12px 4px}" +
    "form{display:flex;gap:6px;padding:8px;border-top:1px solid #ddd}" +
    "textarea{flex:1;min-height:44px;max-height:120px;font-size:16px;padding:8px;border:1px solid #999;border-radius:6px;resize:none}" +
    "form button{min-height:44px;min-width:64px;border:0;border-radius:6px;background:" + color + ";color:#fff;font-size:16px}" +
    "a{color:#0645ad}:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}" +
    "@media (prefers-reduced-motion:no-preference){.typing{animation:blink 1.2s infinite}}@keyframes blink{50%{opacity:.4}}";
  var markup =
    "<button class='open' type='button' aria-haspopup='dialog'></button>" +
    "<section class='panel' role='dialog' aria-modal='false' hidden>" +
    "<header><h2 id='sh-title'></h2><button type='button' class='lang'></button><button type='button' class='exit'></button><button type='button' class='close'>×</button></header>" +
    "<div class='log' role='log' aria-live='polite' aria-labelledby='sh-title'></div>" +
    "<div class='actions'><button type='button' class='counsel'></button><button type='button' class='forget'></button><a class='privacy' target='_blank' rel='noopener noreferrer'></a></div>" +
    "<form><textarea rows='1' maxlength='2000'></textarea><button type='submit'></button></form>" +
    "</section>";
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = markup;
  } else {
    root.innerHTML = "<style>" + css + "</style>" + markup;
  }
  var $ = function (sel) { return root.querySelector(sel); };
  var openButton = $(".open"), panel = $(".panel"), log = $(".log"), input = $("textarea");

  function t(id) { return strings[id] || ""; }
  var exiting = false;
  function save() {
    if (exiting) return;  // a reply landing after quick exit must not write anything back
    store.setItem(KEY + "lang", lang);
    store.setItem(KEY + "pending", JSON.stringify(pending.map(function (p) {
      return { key: p.key, text: p.text, payload: p.payload };
    })));
    store.setItem(KEY + "last", String(lastSeen));
    if (conversation) store.setItem(KEY + "conversation", conversation);
  }
  function newKey() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  // Text is always inserted as text; only phone numbers become tel: links.
  function isPhone(part) {
    var digits = part.replace(/\D/g, "");
    return digits.length >= 8 || /^1[0148]\d{1,2}$/.test(digits);
  }
  function addText(node, text) {
    text.split(/(\+?\d[\d -]{1,14}\d)/).forEach(function (part, i) {
      if (i % 2 && isPhone(part)) {
        var a = document.createElement("a");
        a.href = "tel:" + part.replace(/[^\d+]/g, "");
        a.textContent = part;
        node.appendChild(a);
      } else {
        node.appendChild(document.createTextNode(part));
      }
    });
  }
  function show(sender, text, extra) {
    var div = document.createElement("div");
    div.className = "msg " + sender + (extra ? " " + extra : "");
    if (sender === "counsellor") {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = t("widget.counsellor_label");
      div.appendChild(who);
    }
    addText(div, text);
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }
  function showChoices(buttons) {
    if (!buttons || !buttons.length) return;
    var box = document.createElement("div");
    box.className = "choices";
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () { queue(b.title, b.payload); });
      box.appendChild(button);
    });
    log.appendChild(box);
  }
  function label() {
    $("#sh-title").textContent = cfg.title || t("widget.title");
    openButton.textContent = t("widget.open");
    $(".close").setAttribute("aria-label", t("widget.close"));
    $(".lang").textContent = t("widget.language");
    $(".exit").textContent = t("widget.quick_exit");
    $(".counsel").textContent = t("widget.counsellor");
    $(".forget").textContent = t("widget.delete");
    $(".privacy").textContent = t("widget.privacy");
    $(".privacy").href = api + "/privacy?lang=" + lang;
    input.placeholder = t("widget.placeholder");
    input.setAttribute("aria-label", t("widget.placeholder"));
    $("form button").textContent = t("widget.send");
  }
  function loadStrings() {
    return fetch(api + "/api/widget/strings?lang=" + lang).then(function (r) { return r.json(); })
      .then(function (s) { strings = s; label(); });
  }
  function queue(text, payload) {
    var item = { key: newKey(), text: text || "", payload: payload || null };
    item.node = show("user", item.text || payload, "pending");
    item.node.title = t("widget.pending");
    pending.push(item);
    save();
    flush();
  }
  function flush() {
    if (sending || !pending.length || !navigator.onLine) return;
    sending = true;
    var item = pending[0];
    var typing = show("bot", t("widget.typing"), "typing note");
    var body = { text: item.text, client_key: item.key, language: lang };
    if (item.payload) body.payload = item.payload;
    if (conversation) body.conversation_id = conversation;
    fetch(api + "/api/messages", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { if (!r.ok) throw r; return r.json(); })
      .then(function (data) {
        conversation = data.conversation_id;
        listen();
        pending.shift();
        if (item.node) { item.node.classList.remove("pending"); item.node.removeAttribute("title"); }
        data.replies.forEach(function (reply) {
          show(reply.sender, reply.text);
          showChoices(reply.buttons);
          if (reply.topic === "change_language") { lang = reply.language; loadStrings(); }
        });
        save();
      })
      .catch(function (error) {
        if (error && error.status >= 400 && error.status < 500) { pending.shift(); save(); show("system", t("widget.error"), "note"); }
      })
      .then(function () { typing.remove(); sending = false; if (pending.length) setTimeout(flush, navigator.onLine ? 50 : 3000); });
  }
  function poll() {
    if (!conversation || panel.hidden || !navigator.onLine) return;
    fetch(api + "/api/conversations/" + conversation + "/messages?after=" + lastSeen)
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (messages) {
        messages.forEach(function (m) {
          if (m.id > lastSeen) { lastSeen = m.id; show(m.sender, m.text); }
        });
        save();
      }).catch(function () {});
  }
  var events = null;
  // Live: the server pings when a counsellor writes; the 4-second poll is the fallback.
  function listen() {
    if (events || !conversation || !window.EventSource) return;
    events = new EventSource(api + "/api/conversations/" + conversation + "/events");
    events.onmessage = poll;
  }
  function clearStorage() {
    [window.sessionStorage, window.localStorage].forEach(function (s) {
      Object.keys(s).forEach(function (k) { if (k.indexOf(KEY) === 0) s.removeItem(k); });
    });
  }
  // Delete my data: the server erases the conversation everywhere and says so; so does the page.
  function forget() {
    if (!window.confirm(t("widget.delete_confirm"))) return;
    var done = function (text) {
      if (events) { events.close(); events = null; }
      clearStorage();
      conversation = null; pending = []; lastSeen = 0;
      log.textContent = "";
      show("system", text, "note");
    };
    if (!conversation) { done(t("widget.deleted")); return; }
    fetch(api + "/api/conversations/" + conversation + "/delete?lang=" + lang, { method: "POST" })
      .then(function (r) { if (!r.ok) throw r; return r.json(); })
      .then(function (data) { done(data.text); })
      .catch(function () { show("system", t("widget.error"), "note"); });
  }
  function quickExit() {
    exiting = true;
    if (events) events.close();
    clearStorage();
    window.location.replace(cfg.exitUrl || "https://www.wikipedia.org");
  }

  openButton.addEventListener("click", function () {
    panel.hidden = false; openButton.hidden = true; input.focus();
    if (!log.childElementCount) show("bot", t("widget.welcome"));
  });
  $(".close").addEventListener("click", function () { panel.hidden = true; openButton.hidden = false; openButton.focus(); });
  $(".exit").addEventListener("click", quickExit);
  $(".lang").addEventListener("click", function () { queue(t("widget.language"), lang === "ne" ? "/lang_en" : "/lang_ne"); });
  $(".counsel").addEventListener("click", function () { queue(t("widget.counsellor"), "/talk_to_counsellor"); });
  $(".forget").addEventListener("click", forget);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") $(".close").click(); });
  $("form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (text) { input.value = ""; queue(text); }
  });
  input.addEventListener("keydown", function (e) { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("form button").click(); } });
  window.addEventListener("online", flush);
  setInterval(poll, 4000);
  setInterval(flush, 5000);
  document.body.appendChild(host);
  listen();
  loadStrings().then(function () {
    pending.forEach(function (item) { item.node = show("user", item.text || item.payload, "pending"); });
    flush();
  });
})();
