/* The report page's force list: typing in "Find a force" hides the forces whose name (or region)
   does not hold what was typed; the chosen ones stay listed. The count under it says how many are
   shown and chosen. Without this script every force is listed. */
(function () {
  "use strict";
  document.querySelectorAll("[data-filter-list]").forEach(function (search) {
    var list = document.getElementById(search.getAttribute("data-filter-list"));
    var count = document.querySelector('[data-filter-count="' + list.id + '"]');
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-search]"));

    function update() {
      var wanted = search.value.trim().toLowerCase();
      var shown = 0;
      var chosen = 0;
      items.forEach(function (item) {
        var checked = item.querySelector("input").checked;
        var match = !wanted || item.getAttribute("data-search").indexOf(wanted) !== -1;
        item.hidden = !(match || checked);
        if (!item.hidden) { shown += 1; }
        if (checked) { chosen += 1; }
      });
      if (count) {
        count.textContent = (wanted ? shown + " of " + items.length + " forces shown" : items.length + " forces") +
          "; " + chosen + " chosen.";
      }
    }
    search.addEventListener("input", update);
    list.addEventListener("change", update);
    search.addEventListener("keydown", function (event) {
      // Enter in the search box chooses the only force left, rather than sending the form.
      if (event.key !== "Enter") { return; }
      var visible = items.filter(function (item) { return !item.hidden && !item.querySelector("input").checked; });
      if (search.value.trim() && visible.length >= 1) {
        event.preventDefault();
        visible[0].querySelector("input").checked = true;
        search.value = "";
        update();
      }
    });
    update();
  });
}());
