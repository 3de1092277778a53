// The live room: a socket that announces numbered events; the page catches up
// from the log whenever it reconnects (the server re-reads on any gap).
(function () {
  "use strict";

  // The lobby: a socket the server closes when the teacher decides; the page then
  // opens the room (or the refusal). Without a socket it asks now and then.
  function waitingPage() {
    var box = document.querySelector("[data-testid=room-waiting]");
    if (!box) return;
    var statusUrl = box.getAttribute("data-status-url");
    var roomUrl = box.getAttribute("data-room-url");
    var sessionId = box.getAttribute("data-session");
    var delay = 1000;

    function ask() {
      fetch(statusUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (body && body.state !== "waiting") window.location.assign(roomUrl);
        })
        .catch(function () {});
    }

    function listen() {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + window.location.host + "/ws/buoi-hoc/" + sessionId + "/?lobby=1");
      socket.onopen = function () { delay = 1000; box.setAttribute("data-listening", "1"); };
      socket.onmessage = function (raw) {
        if (JSON.parse(raw.data).type === "closed") window.location.assign(roomUrl);  // decided
      };
      socket.onclose = function (closing) {
        box.removeAttribute("data-listening");
        if (closing.code >= 4000 && closing.code < 5000) { window.location.assign(roomUrl); return; }
        ask();  // the connection dropped: the decision may have come meanwhile
        setTimeout(listen, delay);
        delay = Math.min(delay * 2, 30000);
      };
    }

    listen();
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function roomPage() {
    var root = document.getElementById("room");
    if (!root) return;
    var sessionId = root.getAttribute("data-session");
    var lastSeq = parseInt(root.getAttribute("data-last-seq"), 10) || 0;
    var teacher = root.getAttribute("data-teacher") === "1";
    var status = document.getElementById("room-status");
    var log = document.getElementById("chat-log");
    var people = document.getElementById("participants");
    var security = document.getElementById("security-events");
    var form = document.getElementById("chat-form");
    var text = document.getElementById("chat-text");
    var error = document.getElementById("chat-error");
    var hand = document.getElementById("hand");
    var socket = null;
    var delay = 500;
    var finished = false;
    var handUp = false;

    function msg(name, value) {
      var t = root.getAttribute("data-msg-" + name) || "";
      return value === undefined ? t : t.replace("{name}", value);
    }

    function showChat(data) {
      var item = log.querySelector('[data-id="' + data.id + '"]');
      if (!item) {
        item = el("li");
        item.setAttribute("data-id", data.id);
        item.setAttribute("data-seq", data.seq);
        // Keep the order of the chat's own numbers (an approved message goes back in its place).
        var after = null;
        log.querySelectorAll("li[data-seq]").forEach(function (li) {
          if (parseInt(li.getAttribute("data-seq"), 10) > data.seq && !after) after = li;
        });
        log.insertBefore(item, after);
      }
      item.className = "chat-message chat-" + data.status;
      item.textContent = "";
      item.appendChild(el("span", "chat-sender", data.name));
      if (data.text) item.appendChild(el("span", "chat-text", " " + data.text));
      if (data.image) {
        var img = el("img", "chat-image");
        img.src = data.image;
        img.alt = "";
        item.appendChild(img);
      }
      if (data.status === "held") item.appendChild(el("span", "badge badge-warn", msg("held")));
      if (data.private) item.appendChild(el("span", "badge", msg("private")));
    }

    function showParticipant(data) {
      var item = people.querySelector('[data-participant="' + data.id + '"]');
      if (!item) {
        if (!teacher && data.state !== "admitted") return;
        item = el("li", "participant");
        item.setAttribute("data-participant", data.id);
        item.appendChild(el("span", "participant-name", data.name));
        people.appendChild(item);
      }
      item.setAttribute("data-state", data.state);
      item.className = "participant state-" + data.state + (data.online ? " online-now" : "");
      if (!teacher && data.state !== "admitted") item.remove();
      var handMark = item.querySelector(".hand");
      if (data.hand && !handMark) item.appendChild(el("span", "hand", "✋"));
      if (!data.hand && handMark) handMark.remove();
    }

    function showSecurity(kind, data) {
      if (!security) return;
      var empty = security.querySelector("[data-empty]");
      if (empty) empty.remove();
      var key = kind === "entry_refused" ? "refused" : kind === "takeover" ? "takeover-other" : "retry";
      security.insertBefore(el("li", null, msg(key, data.name)), security.firstChild);
    }

    function showReaction(data) {
      var feed = document.getElementById("reaction-feed");
      if (!feed) return;
      feed.textContent = data.name + " " + data.emoji;
    }

    function showControls(data) {
      var pinned = document.getElementById("pinned");
      if (pinned) {
        pinned.textContent = data.pinned || "";
        pinned.hidden = !data.pinned;
      }
    }

    function handle(event) {
      if (event.seq > lastSeq) lastSeq = event.seq;
      switch (event.kind) {
        case "chat": case "chat_held": case "question": showChat(event.data); break;
        case "reaction": showReaction(event.data); break;
        case "participant": showParticipant(event.data); break;
        case "controls": showControls(event.data); break;
        case "entry_refused": case "takeover": case "removed_retry": showSecurity(event.kind, event.data); break;
        default: break;
      }
    }

    function connect() {
      if (finished) return;
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + window.location.host + "/ws/buoi-hoc/" + sessionId + "/?after=" + lastSeq);
      socket.onopen = function () {
        delay = 500;
        status.textContent = msg("connected");
        // A heartbeat: attendance knows the connection is alive even if a server dies.
        var beating = setInterval(function () {
          if (!socket || socket.readyState !== WebSocket.OPEN) { clearInterval(beating); return; }
          socket.send(JSON.stringify({ type: "ping" }));
        }, 25000);
      };
      socket.onmessage = function (raw) {
        var body = JSON.parse(raw.data);
        if (body.type === "event") handle(body);
        else if (body.type === "closed") {
          finished = ["removed", "takeover", "ended"].indexOf(body.reason) >= 0;
          status.textContent = msg(body.reason) || "";
          root.setAttribute("data-closed", body.reason);
        } else if (body.type === "chat_result") {
          if (body.ok) { text.value = ""; error.textContent = ""; }
          else error.textContent = body.error;
        }
      };
      socket.onclose = function (closing) {
        socket = null;
        if (closing.code === 4410 || closing.code === 4409 || closing.code === 4404 || closing.code === 4403) finished = true;
        if (finished) { if (form) form.hidden = true; return; }
        status.textContent = msg("reconnecting");
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10000);
      };
    }

    if (form) {
      form.addEventListener("submit", function (submitting) {
        if (!socket || socket.readyState !== WebSocket.OPEN || !text.value.trim()) return;
        submitting.preventDefault();
        var privately = document.getElementById("private-question");
        var kind = privately && privately.checked ? "question" : "chat";
        socket.send(JSON.stringify({ type: kind, text: text.value }));
      });
    }
    if (hand) {
      hand.addEventListener("click", function () {
        if (!socket || socket.readyState !== WebSocket.OPEN) return;
        handUp = !handUp;
        socket.send(JSON.stringify({ type: "hand", up: handUp }));
        hand.setAttribute("aria-pressed", handUp ? "true" : "false");
      });
    }
    document.querySelectorAll("button.react").forEach(function (button) {
      button.addEventListener("click", function () {
        if (!socket || socket.readyState !== WebSocket.OPEN) return;
        socket.send(JSON.stringify({ type: "react", emoji: button.getAttribute("data-emoji") }));
      });
    });
    var countdown = document.querySelector(".countdown");
    if (countdown) {
      var starts = new Date(countdown.getAttribute("data-starts"));
      setInterval(function () {
        var left = Math.max(0, Math.round((starts - new Date()) / 1000));
        countdown.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      }, 1000);
    }
    connect();
  }

  // Too early: the page opens the lobby itself when it opens, at a random moment
  // within the server's spread, rather than leaving the pupil to come back.
  function tooEarlyPage() {
    var note = document.querySelector("[data-opens-at]");
    if (!note) return;
    var opens = new Date(note.getAttribute("data-opens-at"));
    var spread = Number(note.getAttribute("data-spread")) || 0;
    var wait = Math.max(0, opens - new Date()) + Math.random() * spread * 1000;
    if (wait < 2147483647) setTimeout(function () { window.location.reload(); }, wait);
  }

  document.addEventListener("DOMContentLoaded", function () {
    tooEarlyPage();
    waitingPage();
    roomPage();
  });
})();
