/* Content editor: topics, side-by-side English/Nepali editing with a live preview, draft →
   review → publish, history with diff and rollback, stale answers, unanswered questions.
   Every text from the server or the form is inserted as text, never as HTML. */
(function () {
  "use strict";
  var S = JSON.parse(document.getElementById("strings").textContent);
  var LANG = document.documentElement.lang;
  var H = { "Content-Type": "application/json", "X-Requested-With": "sahayatri", "Accept-Language": LANG };
  var MAX_ANSWER = 1200;
  var me = null, topics = [], current = null;
  var $ = function (id) { return document.getElementById(id); };

  function api(method, path, body) {
    return fetch(path, { method: method, headers: H, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (data) {
          if (!r.ok) { var e = new Error(r.status); e.status = r.status; e.data = data; throw e; }
          return data;
        });
      });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function button(text, onClick) {
    var b = el("button", "", text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function num(n) {  // Nepali writes Devanagari digits
    return LANG === "ne" ? String(n).replace(/\d/g, function (d) { return "०१२३४५६७८९".charAt(+d); }) : String(n);
  }
  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (m, name) { return values[name] === undefined ? m : values[name]; });
  }
  function say(text, ok) { $("status").textContent = text; $("status").className = ok ? "ok" : ""; }
  function fail(e) {
    if (e.status === 401) { showLogin(); return; }
    var detail = e.data && e.data.detail;
    say(detail && detail.message ? detail.message : S["editor.error"]);
  }
  function when(iso) { return iso ? new Date(iso).toLocaleString(LANG === "ne" ? "ne-NP" : "en-GB") : ""; }
  function lines(text) { return text.split("\n").map(function (l) { return l.trim(); }).filter(Boolean); }
  function titleOf(key, lang) {
    for (var i = 0; i < topics.length; i++) if (topics[i].key === key) return topics[i].title[lang];
    return null;
  }

  /* ---------- sign in ---------- */
  function showLogin() { $("login").hidden = false; $("work").hidden = true; }
  function start() {
    api("GET", "/editor/api/me").then(function (who) {
      me = who;
      $("login").hidden = true;
      $("work").hidden = false;
      $("me").textContent = who.display_name + " (" + who.role + ")";
      $("second-note").hidden = !who.second_approval_required;
      $("stale-intro").textContent = fmt(S["editor.stale_intro"], { days: num(who.stale_days) });
      loadTopics();
    }).catch(function (e) {
      if (e.status === 403) { say(S["editor.forbidden"]); return; }
      showLogin();
    });
  }
  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    api("POST", "/editor/login", { username: $("username").value, password: $("password").value })
      .then(function () { say(""); start(); })
      .catch(function () { say(S["editor.sign_in_failed"]); });
  });
  $("sign-out").addEventListener("click", function () {
    api("POST", "/editor/logout").then(function () { location.reload(); }).catch(fail);
  });

  /* ---------- views ---------- */
  Array.prototype.forEach.call(document.querySelectorAll("nav [data-view]"), function (b) {
    b.addEventListener("click", function () { say(""); showView(b.getAttribute("data-view")); });
  });
  function showView(id) {
    Array.prototype.forEach.call(document.querySelectorAll(".view"), function (v) { v.hidden = v.id !== id; });
    if (id === "stale-view") loadStale();
    if (id === "inbox-view") loadInbox();
    if (id === "retrain-view") loadRetrain();
  }

  /* ---------- topic list ---------- */
  var searchTimer = null;
  $("search").addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(loadTopics, 250);
  });
  function loadTopics() {
    var q = $("search").value.trim();
    return api("GET", "/editor/api/topics" + (q ? "?q=" + encodeURIComponent(q) : "")).then(function (items) {
      if (!q) topics = items;
      var list = $("topic-list");
      list.textContent = "";
      items.forEach(function (t) {
        var b = el("button", current && current.key === t.key ? "selected" : "");
        b.type = "button";
        b.setAttribute("data-key", t.key);
        b.appendChild(el("span", "", t.title[LANG] + " "));
        b.appendChild(el("small", "", t.key));
        if (t.pending_status) b.appendChild(el("span", "badge " + t.pending_status, S["editor.status_" + t.pending_status]));
        if (t.needs_verification) b.appendChild(el("span", "badge verify", S["editor.badge_verify"]));
        b.addEventListener("click", function () { openTopic(t.key); });
        var li = el("li");
        li.appendChild(b);
        list.appendChild(li);
      });
    }).catch(fail);
  }

  /* ---------- editing ---------- */
  function openTopic(key) {
    showView("topics-view");
    return api("GET", "/editor/api/topics/" + encodeURIComponent(key)).then(function (detail) {
      current = detail;
      var entry = detail.pending_entry || detail.published;
      $("edit-pane").hidden = false;
      $("topic-heading").textContent = entry.title[LANG] + " (" + detail.key + ")";
      fillForm(entry);
      showWorking();
      clearErrors();
      $("diff").hidden = true;
      loadHistory();
      loadTopics();
    }).catch(fail);
  }
  function showWorking() {
    var p = current.pending;
    $("working").textContent = p
      ? fmt(S["editor.editing_pending"], { id: p.id, status: S["editor.status_" + p.status], author: p.author })
      : S["editor.editing_published"];
    $("submit").disabled = !(p && p.status === "draft");
    $("approve").disabled = !(p && p.status === "review" && !(me.second_approval_required && p.author === me.username));
  }
  function fillForm(entry) {
    $("title-en").value = entry.title.en; $("title-ne").value = entry.title.ne;
    $("answer-en").value = entry.answer.en; $("answer-ne").value = entry.answer.ne;
    $("related").value = (entry.related || []).join(", ");
    $("sources").value = (entry.sources || []).map(function (s) { return s.url ? s.title + " | " + s.url : s.title; }).join("\n");
    var ex = entry.examples || {};
    $("examples-en").value = (ex.en || []).join("\n");
    $("examples-ne").value = (ex.ne || []).join("\n");
    $("examples-ne-Latn").value = (ex["ne-Latn"] || []).join("\n");
    $("reviewed-on").value = entry.reviewed_on || "";
    $("needs-verification").checked = !!entry.needs_verification;
    var box = $("messages");
    box.textContent = "";
    Object.keys(entry.messages || {}).forEach(function (name) {
      var fs = el("fieldset", "message");
      fs.setAttribute("data-name", name);
      fs.appendChild(el("legend", "", fmt(S["editor.field_message"], { name: name })));
      var pair = el("div", "pair");
      ["en", "ne"].forEach(function (lang) {
        var t = el("textarea");
        t.rows = 3;
        t.lang = lang;
        t.value = entry.messages[name][lang];
        t.setAttribute("data-lang", lang);
        t.setAttribute("data-field", "messages." + name + "." + lang);
        t.setAttribute("aria-label", name + " — " + S[lang === "en" ? "editor.english" : "editor.nepali"]);
        pair.appendChild(t);
      });
      fs.appendChild(pair);
      box.appendChild(fs);
    });
    preview();
  }
  function collect() {
    var messages = {};
    Array.prototype.forEach.call(document.querySelectorAll("#messages fieldset"), function (fs) {
      var pair = {};
      Array.prototype.forEach.call(fs.querySelectorAll("textarea"), function (t) { pair[t.getAttribute("data-lang")] = t.value; });
      messages[fs.getAttribute("data-name")] = pair;
    });
    return {
      title: { en: $("title-en").value, ne: $("title-ne").value },
      answer: { en: $("answer-en").value, ne: $("answer-ne").value },
      messages: messages,
      related: $("related").value.split(",").map(function (k) { return k.trim(); }).filter(Boolean),
      examples: { en: lines($("examples-en").value), ne: lines($("examples-ne").value), "ne-Latn": lines($("examples-ne-Latn").value) },
      sources: lines($("sources").value).map(function (line) {
        var at = line.lastIndexOf(" | ");
        return at < 0 ? { title: line, url: null } : { title: line.slice(0, at).trim(), url: line.slice(at + 3).trim() || null };
      }),
      reviewed_on: $("reviewed-on").value || null,
      needs_verification: $("needs-verification").checked
    };
  }

  /* ---------- live preview ---------- */
  function isPhone(part) {
    var digits = part.replace(/\D/g, "");
    return digits.length >= 8 || /^1[0148]\d{1,2}$/.test(digits);
  }
  function addText(node, text, links) {  // like the widget: only phone numbers become links
    text.split(/(\+?\d[\d -]{1,14}\d)/).forEach(function (part, i) {
      if (links && i % 2 && isPhone(part)) {
        var a = el("a", "", part);
        a.href = "tel:" + part.replace(/[^\d+]/g, "");
        node.appendChild(a);
      } else {
        node.appendChild(document.createTextNode(part));
      }
    });
  }
  function preview() {
    var related = $("related").value.split(",").map(function (k) { return k.trim(); }).filter(Boolean);
    ["en", "ne"].forEach(function (lang) {
      var text = $("answer-" + lang).value;
      var count = $("count-" + lang);
      count.textContent = fmt(S["editor.characters"], { count: num(text.length), limit: num(MAX_ANSWER) });
      count.className = "count" + (text.length > MAX_ANSWER ? " over" : "");
      var titles = related.map(function (k) { return titleOf(k, lang) || k; });
      var box = $("preview-" + lang);
      var tg = box.querySelector(".telegram");
      tg.textContent = "";
      var bubble = el("div", "bubble");
      addText(bubble, text, false);
      tg.appendChild(bubble);
      if (titles.length) {
        var kb = el("div", "keyboard");
        titles.forEach(function (t) { kb.appendChild(el("span", "", t)); });
        tg.appendChild(kb);
      }
      var w = box.querySelector(".widget");
      w.textContent = "";
      var wb = el("div", "bubble");
      addText(wb, text, true);
      w.appendChild(wb);
      if (titles.length) {
        var choices = el("div", "choices");
        titles.forEach(function (t) { choices.appendChild(el("span", "", t)); });
        w.appendChild(choices);
      }
    });
  }
  $("entry").addEventListener("input", preview);

  /* ---------- errors ---------- */
  function clearErrors() {
    $("errors").hidden = true;
    $("error-list").textContent = "";
    Array.prototype.forEach.call(document.querySelectorAll("[aria-invalid]"), function (n) { n.removeAttribute("aria-invalid"); });
  }
  var FIELD_LABELS = {
    title: "editor.field_title", answer: "editor.field_answer", related: "editor.field_related",
    sources: "editor.field_sources", reviewed_on: "editor.field_reviewed_on",
    "examples.en": "editor.field_examples_en", "examples.ne": "editor.field_examples_ne",
    "examples.ne-Latn": "editor.field_examples_ne_latn"
  };
  function fieldLabel(field) {  // "answer.en" → "Answer — English"; unknown names stay as they are
    if (FIELD_LABELS[field]) return S[FIELD_LABELS[field]];
    var parts = field.split("."), last = parts[parts.length - 1];
    var lang = last === "en" ? S["editor.english"] : last === "ne" ? S["editor.nepali"] : null;
    var base = parts.slice(0, -1).join(".");
    if (lang && FIELD_LABELS[base]) return S[FIELD_LABELS[base]] + " — " + lang;
    if (lang && parts[0] === "messages") return fmt(S["editor.field_message"], { name: parts[1] }) + " — " + lang;
    return field;
  }
  function showErrors(detail) {
    clearErrors();
    var list = $("error-list");
    (detail.errors || []).forEach(function (problem) {
      list.appendChild(el("li", "", fieldLabel(problem.field) + ": " + problem.message));
      Array.prototype.forEach.call(document.querySelectorAll("[data-field]"), function (node) {
        var name = node.getAttribute("data-field");
        if (name === problem.field || name.indexOf(problem.field + ".") === 0) node.setAttribute("aria-invalid", "true");
      });
    });
    $("errors").hidden = false;
    say(detail.message);
    $("status").scrollIntoView();
  }

  /* ---------- workflow ---------- */
  $("today").addEventListener("click", function () { $("reviewed-on").value = new Date().toISOString().slice(0, 10); });
  $("entry").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!current) return;
    var body = collect();
    if (JSON.stringify(body).length > 128 * 1024) { say(S["editor.too_large_local"]); return; }
    api("POST", "/editor/api/topics/" + encodeURIComponent(current.key) + "/drafts", body).then(function (revision) {
      current.pending = revision;
      clearErrors();
      showWorking();
      say(fmt(S["editor.saved"], { id: revision.id }), true);
      loadHistory();
      loadTopics();
    }).catch(function (err) {
      if (err.status === 422 && err.data && err.data.detail && err.data.detail.errors) showErrors(err.data.detail);
      else fail(err);
    });
  });
  $("submit").addEventListener("click", function () {
    api("POST", "/editor/api/revisions/" + current.pending.id + "/submit").then(function (revision) {
      current.pending = revision;
      showWorking();
      say(S["editor.submitted"], true);
      loadHistory();
      loadTopics();
    }).catch(fail);
  });
  $("approve").addEventListener("click", function () {
    api("POST", "/editor/api/revisions/" + current.pending.id + "/approve").then(function (revision) {
      say(fmt(S["editor.published"], { id: revision.id }), true);
      openTopic(current.key);
    }).catch(function (err) {
      if (err.status === 422 && err.data && err.data.detail && err.data.detail.errors) showErrors(err.data.detail);
      else fail(err);
    });
  });

  /* ---------- history, diff, rollback ---------- */
  function loadHistory() {
    api("GET", "/editor/api/topics/" + encodeURIComponent(current.key) + "/history").then(function (revisions) {
      var list = $("history");
      list.textContent = "";
      revisions.forEach(function (r) {
        var li = el("li", r.current ? "current" : "");
        li.appendChild(el("span", "", fmt(S["editor.revision_line"], {
          id: r.id, status: S["editor.status_" + r.status] || r.status, author: r.author, when: when(r.created_at)
        })));
        if (r.reviewer) li.appendChild(el("span", "", " · " + fmt(S["editor.approved_by"], { reviewer: r.reviewer, when: when(r.published_at) })));
        if (r.current) li.appendChild(el("span", "badge", S["editor.current"]));
        if (r.changed.length) li.appendChild(el("small", "", " · " + fmt(S["editor.changed"], { fields: r.changed.join(", ") })));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(button(S["editor.show_diff"], function () { showDiff(r); }));
        if (r.status === "published" && !r.current) {
          li.appendChild(button(S["editor.rollback"], function () {
            if (!window.confirm(fmt(S["editor.rollback_confirm"], { id: r.id }))) return;
            api("POST", "/editor/api/revisions/" + r.id + "/rollback").then(function (n) {
              say(fmt(S["editor.rolled_back"], { id: r.id, new_id: n.id }), true);
              openTopic(current.key);
            }).catch(function (err) {
              if (err.status === 422 && err.data && err.data.detail && err.data.detail.errors) showErrors(err.data.detail);
              else fail(err);
            });
          }));
        }
        list.appendChild(li);
      });
    }).catch(fail);
  }
  function showDiff(r) {
    var against = r.based_on_id ? "?against=" + r.based_on_id : "";
    api("GET", "/editor/api/revisions/" + r.id + "/diff" + against).then(function (d) {
      var pre = $("diff");
      pre.textContent = "";
      d.lines.forEach(function (line) {
        var cls = line.charAt(0) === "+" && line.indexOf("+++") !== 0 ? "add" : line.charAt(0) === "-" && line.indexOf("---") !== 0 ? "del" : "";
        var span = el("span", cls, line);
        pre.appendChild(span);
        if (!cls) pre.appendChild(document.createTextNode("\n"));
      });
      pre.hidden = false;
    }).catch(fail);
  }

  /* ---------- stale ---------- */
  function loadStale() {
    api("GET", "/editor/api/stale").then(function (items) {
      var list = $("stale-list");
      list.textContent = "";
      items.forEach(function (item) {
        var li = el("li");
        li.appendChild(button(item.title[LANG] + " (" + item.key + ")", function () { openTopic(item.key); }));
        li.appendChild(el("span", "", " " + (item.reviewed_on || S["editor.never_reviewed"])));
        if (item.needs_verification) li.appendChild(el("span", "badge verify", S["editor.badge_verify"]));
        list.appendChild(li);
      });
    }).catch(fail);
  }

  /* ---------- inbox ---------- */
  function loadInbox() {
    api("GET", "/editor/api/inbox").then(function (items) {
      var list = $("inbox-list");
      list.textContent = "";
      if (!items.length) list.appendChild(el("li", "", S["editor.inbox_empty"]));
      items.forEach(function (q) {
        var li = el("li");
        li.appendChild(el("p", "question", q.text));
        li.appendChild(el("small", "", [S["editor.outcome_" + q.outcome] || q.outcome, q.channel, q.script || "", when(q.created_at)].join(" · ")));
        var select = el("select");
        select.setAttribute("aria-label", S["editor.choose_topic"]);
        select.appendChild(el("option", "", S["editor.choose_topic"]));
        select.firstChild.value = "";
        topics.forEach(function (t) {
          var o = el("option", "", t.title[LANG] + " (" + t.key + ")");
          o.value = t.key;
          select.appendChild(o);
        });
        var p = el("p");
        p.appendChild(select);
        p.appendChild(button(S["editor.add_example"], function () {
          if (!select.value) return;
          api("POST", "/editor/api/inbox/" + q.id + "/example", { topic: select.value }).then(function (r) {
            say(fmt(S["editor.example_added"], { key: r.topic_key, id: r.id }), true);
            loadInbox();
          }).catch(function (err) {
            var d = err.data && err.data.detail;
            if (d && d.errors) say(d.message + " " + d.errors.map(function (x) { return x.field + ": " + x.message; }).join("; "));
            else fail(err);
          });
        }));
        p.appendChild(button(S["editor.dismiss"], function () {
          api("POST", "/editor/api/inbox/" + q.id + "/dismiss").then(loadInbox).catch(fail);
        }));
        li.appendChild(p);
        list.appendChild(li);
      });
    }).catch(fail);
  }

  /* ---------- retrain ---------- */
  var RUNNING = { preparing: 1, training: 1, evaluating: 1, swapping: 1 };
  var retrainTimer = null;
  function showRetrain(st) {
    $("retrain-progress").value = st.progress;
    $("retrain-state").textContent = S["editor.retrain_state_" + st.state] || st.state;
    $("retrain-message").textContent = st.message || "";
    $("retrain-accuracy").textContent = st.current_accuracy === null || st.new_accuracy === null ? "" :
      fmt(S["editor.retrain_accuracy"], { old: num((st.current_accuracy * 100).toFixed(1)), new: num((st.new_accuracy * 100).toFixed(1)) });
    $("retrain-log").hidden = st.state !== "failed";
    $("retrain-log").textContent = (st.log_tail || []).join("\n");
    $("retrain-start").disabled = !!RUNNING[st.state];
    clearTimeout(retrainTimer);
    if (RUNNING[st.state]) retrainTimer = setTimeout(loadRetrain, 3000);
  }
  function loadRetrain() { api("GET", "/editor/api/retrain").then(showRetrain).catch(fail); }
  $("retrain-start").addEventListener("click", function () {
    api("POST", "/editor/api/retrain").then(showRetrain).catch(fail);
  });

  start();
})();
