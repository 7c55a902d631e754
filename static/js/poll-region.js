// Live region that refreshes itself without <meta http-equiv="refresh"> (WCAG 2.2.1): an element
// with data-poll-region fetches its own page every data-poll-seconds (default 2) and swaps in the
// same element from the response. It stops when the new element no longer carries data-poll-region
// (the state has settled). Without JavaScript the page works by reloading it. Static file: CSP-safe.
(function () {
  "use strict";
  var region = document.querySelector("[data-poll-region]");
  if (!region || !window.fetch || !window.DOMParser) { return; }
  var seconds = parseFloat(region.getAttribute("data-poll-seconds")) || 2;
  var attempts = 0;
  function poll() {
    attempts += 1;
    if (attempts > 300) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { setTimeout(poll, seconds * 1000); return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
        if (!fresh) { return; }
        if (fresh.innerHTML !== region.innerHTML) { region.innerHTML = fresh.innerHTML; }
        if (fresh.hasAttribute("data-poll-region")) { setTimeout(poll, seconds * 1000); }
        else { region.removeAttribute("data-poll-region"); }
      })
      .catch(function () { setTimeout(poll, seconds * 1000); });
  }
  setTimeout(poll, seconds * 1000);
})();
