/* Counsellor console: sign in, presence, queue (live), claim, transcript, reply, resolve.
   Every text from the server is inserted as text, never as HTML. */
(function () {
  "use strict";
  var S = JSON.parse(document.getElementById("strings").textContent);
  var H = { "Content-Type": "application/json", "X-Requested-With": "sahayatri" };
  var current = null;
  var $ = function (id) { return document.getElementById(id); };

  function api(method, path, body) {
    return fetch(path, { method: method, headers: H, body: body ? JSON.stringify(body) : undefined, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { var e = new Error(r.status); e.status = r.status; throw e; } return r.json(); });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function say(text) { $("status").textContent = text; }

  function loadQueue() {
    return api("GET", "/console/api/queue").then(function (items) {
      var list = $("queue");
      list.textContent = "";
      if (!items.length) list.appendChild(el("li", "empty", S["console.empty_queue"]));
      items.forEach(function (item) {
        var li = el("li", item.urgent ? "urgent" : "");
        if (item.urgent) li.appendChild(el("strong", "flag", S["console.urgent"] + " "));
        li.appendChild(el("span", "", [item.channel, item.language || "", item.topic || item.reason || ""].join(" · ") + " · "));
        li.appendChild(el("span", "", S["console.waiting_for"].replace("{minutes}", Math.floor(item.waiting_seconds / 60))));
        var claim = el("button", "claim", S["console.claim"]);
        claim.type = "button";
        claim.addEventListener("click", function () { take(item.conversation_id); });
        li.appendChild(claim);
        list.appendChild(li);
      });
    });
  }
  function loadLive() {
    return api("GET", "/console/api/live").then(function (items) {
      var list = $("live");
      list.textContent = "";
      items.forEach(function (item) {
        var li = el("li", "", [item.channel, item.language || ""].join(" · ") + " · " +
          S["console.minutes_ago"].replace("{minutes}", item.minutes_ago) + " ");
        var join = el("button", "takeover", S["console.take_over"]);
        join.type = "button";
        join.addEventListener("click", function () {
          api("POST", "/console/api/conversations/" + item.conversation_id + "/takeover").then(function () {
            current = item.conversation_id;
            $("chat").hidden = false;
            loadTranscript();
            loadExtras();
            loadLive();
          }).catch(function () { say(S["console.error"]); loadLive(); });
        });
        li.appendChild(join);
        list.appendChild(li);
      });
    });
  }
  function take(id) {
    api("POST", "/console/api/conversations/" + id + "/claim").then(function () {
      current = id;
      $("chat").hidden = false;
      loadTranscript();
      loadExtras();
      loadQueue();
    }).catch(function (e) { say(e.status === 409 ? S["console.taken"] : S["console.error"]); loadQueue(); });
  }
  function loadTranscript() {
    if (!current) return;
    api("GET", "/console/api/conversations/" + current + "/transcript").then(function (lines) {
      var log = $("transcript");
      log.textContent = "";
      lines.forEach(function (line) {
        var div = el("div", "line " + line.sender);
        div.appendChild(el("b", "", (S["console.sender_" + line.sender] || line.sender) + (line.topic ? " [" + line.topic + "]" : "") + ": "));
        div.appendChild(el("span", "", line.text));
        log.appendChild(div);
      });
      log.scrollTop = log.scrollHeight;
    }).catch(function () { current = null; $("chat").hidden = true; });
  }
  function loadExtras() {
    if (!current) return;
    api("GET", "/console/api/conversations/" + current + "/metrics").then(function (m) {
      $("metrics").textContent = S["console.metrics"].replace("{waiting}", m.waiting_seconds)
        .replace("{first}", m.first_response_seconds === null ? "–" : m.first_response_seconds)
        .replace("{handling}", m.handling_seconds === null ? "–" : m.handling_seconds);
    }).catch(function () {});
    api("GET", "/console/api/conversations/" + current + "/notes").then(function (notes) {
      var list = $("notes");
      list.textContent = "";
      notes.forEach(function (n) { list.appendChild(el("li", "", n.text)); });
    }).catch(function () {});
  }
  function loadCanned() {
    api("GET", "/console/api/canned?lang=" + document.documentElement.lang).then(function (items) {
      items.forEach(function (item) {
        var option = el("option", "", item.title);
        option.value = item.text;
        $("canned").appendChild(option);
      });
    });
  }
  function beep() {  // a short tone made here: no sound file to fetch
    try {
      var audio = new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator();
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.3);
    } catch (e) { /* no audio on this device */ }
  }
  function signedIn() {
    loadCanned();
    $("login").hidden = true;
    $("work").hidden = false;
    loadQueue();
    loadLive();
    setInterval(loadLive, 30000);
    var events = new EventSource("/console/api/events");
    events.onmessage = function (e) {
      var event = JSON.parse(e.data);
      loadQueue();
      if (event.conversation_id === current) loadTranscript();
      if (event.urgent) {
        beep();
        if (window.Notification && Notification.permission === "granted") {
          new Notification(S["console.urgent"]);  // never the person's words
        }
      }
    };
  }

  $("login").addEventListener("submit", function (e) {
    e.preventDefault();
    api("POST", "/console/login", { username: $("username").value, password: $("password").value })
      .then(function () { return api("POST", "/console/api/presence", { presence: "online" }); })
      .then(signedIn)
      .catch(function () { say(S["console.sign_in_failed"]); });
  });
  $("presence").addEventListener("change", function () {
    api("POST", "/console/api/presence", { presence: $("presence").value }).catch(function () { say(S["console.error"]); });
  });
  $("reply").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("text").value.trim();
    if (!text || !current) return;
    api("POST", "/console/api/conversations/" + current + "/reply", { text: text })
      .then(function () { $("text").value = ""; loadTranscript(); loadExtras(); })
      .catch(function () { say(S["console.error"]); });
  });
  $("resolve").addEventListener("click", function () {
    api("POST", "/console/api/conversations/" + current + "/resolve", { closing: $("closing").value || null })
      .then(function () { current = null; $("chat").hidden = true; $("closing").value = ""; loadQueue(); })
      .catch(function () { say(S["console.error"]); });
  });
  $("canned").addEventListener("change", function () { if (this.value) $("text").value = this.value; });
  $("transfer").addEventListener("click", function () {
    api("POST", "/console/api/conversations/" + current + "/transfer", { to: $("transfer-to").value.trim() })
      .then(function () { current = null; $("chat").hidden = true; loadQueue(); })
      .catch(function () { say(S["console.error"]); });
  });
  $("note").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("note-text").value.trim();
    if (!text || !current) return;
    api("POST", "/console/api/conversations/" + current + "/notes", { text: text })
      .then(function () { $("note-text").value = ""; loadExtras(); })
      .catch(function () { say(S["console.error"]); });
  });
  if (window.Notification && Notification.permission === "default") Notification.requestPermission();
  api("GET", "/console/api/queue").then(signedIn).catch(function () {});
})();
