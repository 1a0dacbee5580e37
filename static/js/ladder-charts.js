/* Draws the dashboard's charts with Chart.js from the JSON each page embeds (json_script).
   Every chart has a table with the same figures next to it: the charts are a view, not the data. */
(function () {
  "use strict";
  // The period list belongs to the period type: a new type starts from its latest complete period.
  var periodType = document.getElementById("f-period-type");
  var period = document.getElementById("f-period");
  if (periodType && period) {
    periodType.addEventListener("change", function () { period.value = ""; });
  }

  if (!window.Chart) { return; }

  var TEXT = "#0b0c0c";
  var GRID = "#b1b4b6";
  Chart.defaults.font.family = "Arial, Helvetica, sans-serif";
  Chart.defaults.font.size = 14;
  Chart.defaults.color = TEXT;
  Chart.defaults.animation = false;

  function percent(value) {
    return value === null || value === undefined ? "no figure" : value.toFixed(1) + "%";
  }

  function count(value) {
    return value === null || value === undefined ? "unknown" : value.toLocaleString("en-GB");
  }

  function percentAxis(stacked) {
    return {
      stacked: stacked, min: 0, max: stacked ? 100 : undefined, beginAtZero: true,
      grid: { color: GRID },
      ticks: { callback: function (v) { return v + "%"; } }
    };
  }

  function stacked(spec) {
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) {
          return { label: d.label, data: d.data, counts: d.counts, backgroundColor: d.colour,
                   borderColor: "#ffffff", borderWidth: 1, barPercentage: 0.9, categoryPercentage: 0.9 };
        })
      },
      options: {
        indexAxis: "y", maintainAspectRatio: false,
        scales: {
          x: percentAxis(true),
          y: { stacked: true, grid: { display: false }, ticks: { autoSkip: false, font: function (ctx) {
            return { weight: spec.emphasis && spec.emphasis[ctx.index] ? "bold" : "normal" };
          } } }
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) {
            return ctx.dataset.label + ": " + percent(ctx.raw) + " (" + count(ctx.dataset.counts[ctx.dataIndex]) + ")";
          } } }
        },
        onClick: function (event, elements) {
          var link = elements.length && spec.links ? spec.links[elements[0].index] : "";
          if (link) { window.location.href = link; }
        },
        onHover: function (event, elements) {
          var link = elements.length && spec.links ? spec.links[elements[0].index] : "";
          event.native.target.style.cursor = link ? "pointer" : "default";
        }
      }
    };
  }

  function ladder(spec) {
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: [{ label: "Share", data: spec.data, counts: spec.counts, backgroundColor: spec.colours,
                     borderColor: TEXT, borderWidth: 1 }]
      },
      options: {
        indexAxis: "y", maintainAspectRatio: false,
        scales: { x: percentAxis(false), y: { grid: { display: false } } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) {
            return percent(ctx.raw) + " (" + count(ctx.dataset.counts[ctx.dataIndex]) + ")";
          } } }
        }
      }
    };
  }

  function lines(spec) {
    return {
      type: "line",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d, i) {
          return { label: d.label, data: d.data, borderColor: d.colour, backgroundColor: d.colour,
                   borderWidth: 3, pointRadius: 4, pointBorderColor: TEXT, pointBorderWidth: 1, spanGaps: true,
                   pointStyle: ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "cross"][i % 7] };
        })
      },
      options: {
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: percentAxis(false), x: { grid: { color: GRID } } },
        plugins: {
          legend: { display: true, position: "bottom", labels: { usePointStyle: true } },
          tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + percent(ctx.raw); } } }
        }
      }
    };
  }

  var builders = { stacked: stacked, ladder: ladder, lines: lines };

  function height(spec) {
    if (spec.kind === "lines") { return 380; }
    var row = spec.labels.length > 12 ? 20 : 32;
    return Math.max(120, spec.labels.length * row + 50);
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    canvas.parentNode.style.height = height(spec) + "px";
    new Chart(canvas, builders[spec.kind](spec));
  });
}());
