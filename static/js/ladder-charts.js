/* Draws the dashboard's charts with Chart.js from the JSON each page embeds (json_script). The
   tables are sorted by the page's one "Sort by" control (a select), not by their headers. Every chart has a table with the same figures next to it: the
   charts are a view, not the data. Each rung has a colour (Okabe and Ito) and a pattern, so no
   reader depends on colour alone; Passive starts hidden, so the rungs above it have their own
   scale, and a checkbox beside each chart shows it. */
(function () {
  "use strict";
  // The period list belongs to the period type: a new type starts from its latest complete period.
  var periodType = document.getElementById("f-period-type");
  var period = document.getElementById("f-period");
  if (periodType && period) {
    periodType.addEventListener("change", function () { period.value = ""; });
  }

  // A table box that scrolls sideways is a tab stop (so a keyboard can scroll it); one that fits
  // is not, so reaching the links in the tables takes no extra key presses on a wide screen.
  function tabStops() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) { wrap.setAttribute("tabindex", "0"); }
      else { wrap.removeAttribute("tabindex"); }
    });
  }
  tabStops();
  window.addEventListener("resize", tabStops);
  document.querySelectorAll("details").forEach(function (details) {
    details.addEventListener("toggle", tabStops);
  });

  // After "Show figures" the page opens at its figures (#figures): focus goes there, so the next
  // Tab starts from the results rather than from the top of the page.
  var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
  if (target && target.hasAttribute("tabindex")) { target.focus({ preventScroll: false }); }

  if (!window.Chart) { return; }

  var TEXT = "#0b0c0c";
  var GRID = "#b1b4b6";
  var COLOURS = { 0: "#bababa", 1: "#56b4e9", 2: "#e69f00", 3: "#009e73", 4: "#f0e442", 5: "#0072b2", 6: "#cc79a7" };
  Chart.defaults.font.family = "Arial, Helvetica, sans-serif";
  Chart.defaults.font.size = 14;
  Chart.defaults.color = TEXT;
  Chart.defaults.animation = false;

  // A fill per rung: its colour with a pattern in dark ink (none for Passive, the largest).
  function pattern(position) {
    var colour = COLOURS[position] || "#505a5f";
    if (position === 1 || position === 0) { return colour; }
    var size = 10;
    var tile = document.createElement("canvas");
    tile.width = size; tile.height = size;
    var c = tile.getContext("2d");
    c.fillStyle = colour; c.fillRect(0, 0, size, size);
    c.strokeStyle = "rgba(11, 12, 12, 0.55)"; c.fillStyle = "rgba(11, 12, 12, 0.55)"; c.lineWidth = 1.5;
    c.beginPath();
    if (position === 2) { c.moveTo(0, size); c.lineTo(size, 0); }
    else if (position === 3) { c.arc(size / 2, size / 2, 1.6, 0, 2 * Math.PI); c.fill(); }
    else if (position === 4) { c.moveTo(0, 0); c.lineTo(size, size); }
    else if (position === 5) { c.moveTo(0, size / 2); c.lineTo(size, size / 2); }
    else if (position === 6) { c.moveTo(0, 0); c.lineTo(size, size); c.moveTo(0, size); c.lineTo(size, 0); }
    c.stroke();
    return c.createPattern(tile, "repeat");
  }

  function unit(spec) {
    if (spec.measure === "per_thousand") { return " per 1,000 residents"; }
    return spec.measure === "share_of_before" ? "% of the rung's citizens" : "% of engaged";
  }

  function figure(value, spec) {
    if (value === null || value === undefined) { return "no figure"; }
    if (spec.measure === "people") { return value.toLocaleString("en-GB") + " people"; }
    var text = value !== 0 && Math.abs(value) < 0.1 ? value.toPrecision(2) : value.toFixed(1);
    return text + unit(spec);
  }

  function count(value) {
    if (typeof value === "string") { return value + ": withheld, too few to show"; }
    return value === null || value === undefined ? "unknown" : value.toLocaleString("en-GB") + " citizens";
  }

  // Each chart names what its bars are a share of (spec.axis); the default is the engaged.
  function axis(spec, stacked, max) {
    var percent = spec.measure !== "per_thousand" && spec.measure !== "people";
    return {
      stacked: stacked, min: 0, max: max, beginAtZero: true, grid: { color: GRID },
      title: { display: true, text: spec.axis || (percent ? "% of the engaged (rungs 1 to 6)" : "per 1,000 residents") },
      ticks: { callback: function (v) { return percent ? v + "%" : v.toLocaleString("en-GB"); } }
    };
  }

  function linkOptions(spec) {
    return {
      onClick: function (event, elements) {
        var link = elements.length && spec.links ? spec.links[elements[0].index] : "";
        if (link) { window.location.href = link; }
      },
      onHover: function (event, elements) {
        var link = elements.length && spec.links ? spec.links[elements[0].index] : "";
        event.native.target.style.cursor = link ? "pointer" : "default";
      }
    };
  }

  // On a narrow screen a force's name drops "Police" or "Constabulary" and wraps onto two lines
  // ("Hampshire and", "Isle of Wight") so the bars keep their room; nothing is cut.
  function shortLabel(label) {
    if (window.innerWidth >= 600 || typeof label !== "string") { return label; }
    var short = label.replace(/ (Police Service|Constabulary|Police)$/, "");
    if (short.length <= 14) { return short; }
    var words = short.split(" "), lines = [""];
    words.forEach(function (word) {
      var line = lines[lines.length - 1];
      if (line && (line + " " + word).length > 14) { lines.push(word); }
      else { lines[lines.length - 1] = line ? line + " " + word : word; }
    });
    return lines;
  }

  // A bar whose public all stands at Passive is empty while Passive is hidden: its label says so.
  function withPassiveNote(spec, showPassive, index, label) {
    if (showPassive || !spec.only_passive || !spec.only_passive[index]) { return label; }
    var lines = Array.isArray(label) ? label.slice() : [label];
    lines.push("(all at " + (spec.passive_name || "Passive") + ")");
    return lines;
  }

  function categoryTicks(spec, showPassive) {
    return {
      autoSkip: false,
      callback: function (value) {
        return withPassiveNote(spec, showPassive, value, shortLabel(this.getLabelForValue(value)));
      },
      font: function (ctx) {
        return { weight: spec.emphasis && spec.emphasis[ctx.index] ? "bold" : "normal" };
      }
    };
  }

  function categoryAxis(spec, showPassive) {
    return { stacked: true, grid: { display: false }, ticks: categoryTicks(spec, showPassive) };
  }

  function stacked(spec, showPassive) {
    var datasets = spec.datasets.filter(function (d) { return showPassive || !d.passive; });
    var full = showPassive && spec.measure !== "per_thousand";
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: datasets.map(function (d) {
          return { label: d.label, data: d.data, counts: d.counts, backgroundColor: pattern(d.position),
                   borderColor: "#ffffff", borderWidth: 1, barPercentage: 0.9, categoryPercentage: 0.9 };
        })
      },
      options: Object.assign({
        indexAxis: "y", maintainAspectRatio: false,
        scales: { x: axis(spec, true, full ? 100 : undefined), y: categoryAxis(spec, showPassive) },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) {
            return ctx.dataset.label + ": " + figure(ctx.raw, spec) + " (" + count(ctx.dataset.counts[ctx.dataIndex]) + ")";
          } } }
        }
      }, linkOptions(spec))
    };
  }

  // The value axis reaches past the largest bar or marker, so no marker sits beyond its end.
  function reach(values) {
    var known = values.filter(function (v) { return v !== null && v !== undefined; });
    return known.length ? Math.max.apply(null, known) * 1.04 : undefined;
  }

  // Markers for earlier periods are drawn whole, even at an end of the axis (clip: false).
  function markers(label, data, style) {
    return { type: "line", order: 0, label: label, data: data, showLine: false, pointStyle: style, pointRadius: 6,
             clip: false,
             pointBorderColor: TEXT, pointBackgroundColor: "#ffffff", pointBorderWidth: 2, borderColor: TEXT,
             backgroundColor: "#ffffff" };
  }

  // Ranked bars in the colour and pattern of the rung they measure (spec.position: Conversation
  // for "Conversation or above"), or the text colour for a measure of no one rung ("moved up").
  function ranked(spec) {
    var datasets = [
      { label: spec.bar_label || "This period", order: 1, data: spec.data, counts: spec.counts,
        backgroundColor: spec.position === null || spec.position === undefined ? "#505a5f" : pattern(spec.position),
        borderColor: TEXT, borderWidth: 1 }
    ];
    if (spec.previous && spec.previous.some(function (v) { return v !== null; })) {
      datasets.push(markers("The period before", spec.previous, "circle"));
    }
    if (spec.year_before && spec.year_before.some(function (v) { return v !== null; })) {
      datasets.push(markers("A year before", spec.year_before, "triangle"));
    }
    return {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: Object.assign({
        indexAxis: "y", maintainAspectRatio: false, layout: { padding: { right: 8 } },
        scales: { x: Object.assign(axis(spec, false), { suggestedMax: reach([].concat(spec.data, spec.previous || [], spec.year_before || [])) }),
                  y: { grid: { display: false }, ticks: categoryTicks(spec, true) } },
        plugins: {
          legend: { display: true, position: "top", labels: { usePointStyle: true } },
          tooltip: { callbacks: { label: function (ctx) {
            var text = ctx.dataset.label + ": " + figure(ctx.raw, spec);
            var people = spec.count_text ? spec.count_text[ctx.dataIndex] : count(spec.counts[ctx.dataIndex]);
            return ctx.datasetIndex === 0 ? text + " (" + people + ")" : text;
          } } }
        }
      }, linkOptions(spec))
    };
  }

  function ladder(spec, showPassive) {
    var keep = spec.labels.map(function (_, i) { return showPassive || i !== spec.passive_index; });
    function pick(values) { return values.filter(function (_, i) { return keep[i]; }); }
    var positions = pick(spec.positions);
    var counts = pick(spec.counts);
    return {
      type: "bar",
      data: {
        labels: pick(spec.labels),
        datasets: [
          { label: "This period", order: 1, data: pick(spec.data), backgroundColor: positions.map(pattern),
            borderColor: TEXT, borderWidth: 1 },
          markers("The period before", pick(spec.previous), "circle"),
          markers("A year before", pick(spec.year_before), "triangle")
        ]
      },
      options: {
        indexAxis: "y", maintainAspectRatio: false, layout: { padding: { right: 8 } },
        scales: { x: Object.assign(axis(spec, false), { suggestedMax: reach([].concat(pick(spec.data), pick(spec.previous), pick(spec.year_before))) }),
                  y: { grid: { display: false } } },
        plugins: {
          // The bars are named on their axis; the legend names the markers.
          legend: { display: true, position: "top", labels: { usePointStyle: true, filter: function (item) {
            return item.datasetIndex !== 0;
          } } },
          tooltip: { callbacks: { label: function (ctx) {
            var text = ctx.dataset.label + ": " + figure(ctx.raw, spec);
            return ctx.datasetIndex === 0 ? text + " (" + count(counts[ctx.dataIndex]) + ")" : text;
          } } }
        }
      }
    };
  }

  var STYLES = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "cross"];

  function lines(spec, showPassive) {
    var datasets = spec.datasets.filter(function (d) { return showPassive || !d.passive; });
    return {
      type: "line",
      data: {
        labels: spec.labels,
        datasets: datasets.map(function (d, i) {
          var colour = d.colour || COLOURS[d.position] || TEXT;
          var style = d.position !== undefined ? STYLES[d.position % STYLES.length] : STYLES[i % STYLES.length];
          return { label: d.label, data: d.data, borderColor: colour, backgroundColor: colour,
                   borderWidth: 3, borderDash: d.dashed ? [8, 4] : [], pointRadius: 4, pointBorderColor: TEXT,
                   pointBorderWidth: 1, spanGaps: true, pointStyle: style };
        })
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: axis(spec, false), x: { grid: { color: GRID } } },
        plugins: {
          legend: { display: true, position: "bottom", labels: { usePointStyle: true } },
          tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + figure(ctx.raw, spec); } } }
        }
      }
    };
  }

  var builders = { stacked: stacked, ranked: ranked, ladder: ladder, lines: lines };

  function height(spec) {
    if (spec.kind === "lines") { return 380; }
    // Labels wrap onto two lines on a narrow screen, so each bar gets room for them there.
    var row = window.innerWidth < 600 ? 38 : (spec.labels.length > 12 ? 22 : 34);
    return Math.max(160, spec.labels.length * row + 90);
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var name = canvas.getAttribute("data-chart");
    var source = document.getElementById(name);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    canvas.parentNode.style.height = height(spec) + "px";
    var toggle = document.querySelector('[data-passive-for="' + name + '"]');
    var chart = new Chart(canvas, builders[spec.kind](spec, toggle ? toggle.checked : true));
    if (toggle) {
      toggle.addEventListener("change", function () {
        chart.destroy();
        chart = new Chart(canvas, builders[spec.kind](spec, toggle.checked));
      });
    }
  });
}());
