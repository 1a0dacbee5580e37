/* The impact preview page follows its preview run: while it is computing, the progress line is
   refreshed from the status endpoint, and the page reloads once the figures are ready. */
(function () {
  "use strict";
  var section = document.querySelector("[data-status-url]");
  if (!section || section.getAttribute("data-in-progress") !== "true") { return; }
  var url = section.getAttribute("data-status-url");
  var done = section.querySelector("[data-done]");
  var total = section.querySelector("[data-total]");

  function follow() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (!state.in_progress) { window.location.reload(); return; }
        if (done) { done.textContent = state.done; }
        if (total) { total.textContent = state.total; }
        window.setTimeout(follow, 2000);
      })
      .catch(function () { window.setTimeout(follow, 5000); });
  }
  window.setTimeout(follow, 1000);
}());
