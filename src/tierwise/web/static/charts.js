/* Draws the portfolio's charts: the specs come from the server as JSON (no inline
   script), Vega evaluates expressions with its interpreter (no eval; the CSP forbids it).
   The tooltip's default <style> element is off (style-src 'self' refuses it): its rules
   are in app.css, and Vega sets positions through the CSSOM, which the CSP allows. */
(function () {
  "use strict";
  var holder = document.getElementById("chart-specs");
  if (!holder || !window.vegaEmbed) { return; }
  var config = {
    font: "Inter, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
    background: null,
    view: { stroke: null },
    title: { fontSize: 14, fontWeight: 600, color: "#1f2933", anchor: "start", subtitleColor: "#4b5563", offset: 12 },
    axis: { labelColor: "#374151", titleColor: "#374151", titleFontWeight: 500, gridColor: "#eceff3", domainColor: "#9aa5b1", tickColor: "#9aa5b1", labelFontSize: 11, titleFontSize: 11 },
    legend: { labelColor: "#374151", labelFontSize: 11 }
  };
  fetch(holder.getAttribute("data-src"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(function (specs) {
      var jobs = [];
      document.querySelectorAll("[data-chart]").forEach(function (el) {
        var spec = specs[el.getAttribute("data-chart")];
        if (!spec) { return; }
        jobs.push(
          window.vegaEmbed(el, spec, { actions: false, renderer: "svg", config: config, ast: true, defaultStyle: false,
            tooltip: { disableDefaultStyle: true } })
            .then(function () { el.setAttribute("data-drawn", "true"); })
            .catch(function (err) {
              el.setAttribute("data-drawn", "error");
              el.textContent = "This chart could not be drawn: " + err;
            })
        );
      });
      return Promise.all(jobs);
    })
    .then(function () { document.body.setAttribute("data-charts", "drawn"); })
    .catch(function (err) { document.body.setAttribute("data-charts", "error: " + err); });
})();
