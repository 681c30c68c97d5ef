// The circle-of-care map: data from the JSON script tag, drawn with the vendored Cytoscape.
(function () {
  "use strict";
  var COLOURS = { patient: "#1d4ed8", professional: "#047857", service: "#0e7490", organisation: "#0e7490", person: "#b45309" };

  function draw() {
    var container = document.getElementById("circle-map");
    var source = document.getElementById("circle-data");
    if (!container || !source || !window.cytoscape) { return; }
    var data = JSON.parse(source.textContent);
    var cy = window.cytoscape({
      container: container,
      elements: data.elements,
      autoungrabify: true,
      userZoomingEnabled: false,
      style: [
        { selector: "node", style: {
          "label": function (n) { return n.data("role") ? n.data("label") + "\n" + n.data("role") : n.data("label"); },
          "text-valign": "bottom", "text-margin-y": 6, "font-size": 12,
          "text-wrap": "wrap", "text-max-width": 140, "width": 28, "height": 28,
          "background-color": function (n) { return COLOURS[n.data("kind")] || "#555"; },
          "border-width": function (n) { return n.data("confirmed") ? 3 : 0; }, "border-color": "#111" } },
        { selector: 'node[kind = "patient"]', style: { "width": 48, "height": 48, "font-weight": "bold" } },
        { selector: "edge", style: {
          "curve-style": "straight", "width": 2, "line-color": "#94a3b8",
          "line-style": function (e) { return e.data("visibility") === "full" ? "solid" : "dashed"; } } }
      ],
      layout: { name: "concentric", concentric: function (n) { return n.data("kind") === "patient" ? 2 : 1; },
                levelWidth: function () { return 1; }, minNodeSpacing: 110, animate: false }
    });
    container.dataset.drawn = String(cy.nodes().length);
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
