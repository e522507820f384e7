(function () {
  "use strict";
  var specs = JSON.parse(document.getElementById("tw-specs").textContent);
  var config = {
    font: "Inter, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
    background: null,
    view: { stroke: null },
    title: { fontSize: 14, fontWeight: 600, color: "#1f2933", anchor: "start", subtitleColor: "#6b7280", offset: 12 },
    axis: { labelColor: "#4b5563", titleColor: "#4b5563", titleFontWeight: 500, gridColor: "#eceff3", domainColor: "#cbd2d9", tickColor: "#cbd2d9", labelFontSize: 11, titleFontSize: 11 },
    legend: { labelColor: "#4b5563", labelFontSize: 11 }
  };
  var nodes = document.querySelectorAll("[data-chart]");
  var jobs = [];
  nodes.forEach(function (el) {
    var spec = specs[el.getAttribute("data-chart")];
    if (!spec) { return; }
    jobs.push(
      vegaEmbed(el, spec, { actions: false, renderer: "svg", config: config })
        .then(function () { el.setAttribute("data-drawn", "true"); })
        .catch(function (err) {
          el.setAttribute("data-drawn", "error");
          el.textContent = "This chart could not be drawn: " + err;
          console.error("tierwise chart " + el.getAttribute("data-chart") + ": " + err);
        })
    );
  });
  window.tierwiseChartsDrawn = Promise.all(jobs).then(function () { document.body.setAttribute("data-charts", "drawn"); });
})();
