/* A page following a run in the background (an impact preview, a recompute): while it is in
   progress, the "forces counted" line and bar are refreshed from the status endpoint named by
   data-status-url, and the page reloads once the run starts and once it has ended, to show its result. */
(function () {
  "use strict";
  var section = document.querySelector("[data-status-url]");
  if (!section || section.getAttribute("data-in-progress") !== "true") { return; }
  var url = section.getAttribute("data-status-url");
  var done = section.querySelector("[data-done]");
  var total = section.querySelector("[data-total]");
  var bar = section.querySelector("progress");

  function follow() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        // Ended, or started since the page was drawn (queued, then running): draw it again.
        var drawn = section.getAttribute("data-status");
        if (!state.in_progress || (drawn && state.status !== drawn)) { window.location.reload(); return; }
        if (done) { done.textContent = state.done; }
        if (total) { total.textContent = state.total; }
        if (bar && state.total) { bar.max = state.total; bar.value = state.done; }
        window.setTimeout(follow, 2000);
      })
      .catch(function () { window.setTimeout(follow, 5000); });
  }
  window.setTimeout(follow, 1000);
}());
