// The session-expiry warning (WCAG 2.2.1 Timing Adjustable). The server tells each page how many
// seconds the session has left; before the idle limit the warning appears, is announced through an
// aria-live region and takes the focus, and "Resta collegato" restarts the idle clock on the server.
// Tabs share the latest idle deadline through localStorage, so activity in one tab keeps the others
// from warning too early.
(function () {
  "use strict";
  var box = document.getElementById("session-timeout");
  if (!box) return;
  var live = document.getElementById("session-timeout-live");
  var text = box.querySelector("[data-session-timeout-text]");
  var form = box.querySelector("[data-session-timeout-keepalive]");
  var storageKey = "fascicolo.session.idleDeadline";
  var warningMs = Number(box.dataset.warningSeconds) * 1000;
  var absoluteDeadline = Date.now() + Number(box.dataset.absoluteRemaining) * 1000;
  var idleDeadline = Date.now() + Number(box.dataset.idleRemaining) * 1000;
  var shownFor = null;
  var focusBefore = null;

  function sharedDeadline() {
    try { return Number(window.localStorage.getItem(storageKey)) || 0; } catch (e) { return 0; }
  }
  function publish(deadline) {
    try { window.localStorage.setItem(storageKey, String(deadline)); } catch (e) { /* private mode */ }
  }
  function format(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }
  function show(kind, left) {
    var message = kind === "absolute" ? box.dataset.absoluteMessage : box.dataset.idleMessage;
    text.textContent = message.replace("{time}", format(left));
    if (shownFor === kind) return;
    shownFor = kind;
    form.hidden = kind === "absolute";
    box.hidden = false;
    live.textContent = message.replace("{time}", format(left));
    focusBefore = document.activeElement;
    (form.hidden ? box.querySelector("[role=alertdialog]") : form.querySelector("button")).focus();
  }
  function hide(announcement) {
    if (shownFor === null) return;
    shownFor = null;
    box.hidden = true;
    if (announcement) live.textContent = announcement;
    if (focusBefore && document.contains(focusBefore)) focusBefore.focus();
  }
  function tick() {
    var idle = Math.max(idleDeadline, sharedDeadline());
    var now = Date.now();
    if (Math.min(idle, absoluteDeadline) <= now) {
      // The server has logged the session out: reloading shows its login page and message.
      window.location.reload();
      return;
    }
    if (absoluteDeadline <= idle && absoluteDeadline - now <= warningMs) {
      show("absolute", absoluteDeadline - now);
    } else if (idle - now <= warningMs) {
      show("idle", idle - now);
    } else {
      hide(null);
    }
  }

  box.querySelector("[role=alertdialog]").tabIndex = -1;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) { window.location.reload(); return null; }
      return response.json();
    }).then(function (data) {
      if (!data) return;
      idleDeadline = Date.now() + data.idle_remaining * 1000;
      publish(idleDeadline);
      hide(box.dataset.renewedMessage);
    }).catch(function () { window.location.reload(); });
  });
  publish(Math.max(idleDeadline, sharedDeadline()));
  tick();
  window.setInterval(tick, 1000);
})();
