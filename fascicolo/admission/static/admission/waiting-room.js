// The waiting room's refresh (fascicolo/admission): asks the status endpoint every few seconds,
// updates the position in the aria-live region, and opens the page when the resident is admitted.
(function () {
  "use strict";
  var room = document.getElementById("waiting-room");
  var status = document.getElementById("waiting-room-status");
  if (!room || !status) return;
  var delay = 5000;
  function poll() {
    fetch(room.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.state === "admitted") {
          status.textContent = room.dataset.textAdmitted;
          window.location.reload();
          return;
        }
        if (data.state === "waiting") {
          status.textContent = room.dataset.textWaiting
            .replace("{position}", data.position)
            .replace("{minutes}", Math.max(1, Math.ceil(data.wait_seconds / 60)));
        }
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, delay * 2); });
  }
  window.setTimeout(poll, delay);
})();
