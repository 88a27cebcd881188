/* Incident markers on /vigilance, coloured by severity ({"variable": "hvVigilance.*"}). */
window.hvVigilance = Object.assign({}, window.hvVigilance, {
  COLORS: {faible: "#2e86c1", moyenne: "#f39c12", elevee: "#e67e22", critique: "#c0392b"},
  pointToLayer: function (feature, latlng) {
    var p = feature.properties;
    var closed = p.s === "clos" || p.s === "rejete" || p.s === "doublon" || p.s === "resolu";
    var marker = L.circleMarker(latlng, {
      radius: 8, weight: 1, color: "#1b1b1b", fillOpacity: closed ? 0.35 : 0.9,
      fillColor: window.hvVigilance.COLORS[p.g] || "#7f8c8d"
    });
    marker.bindTooltip("n° " + p.id + " · " + p.c);
    return marker;
  }
});

/* Density cells and the recorded-crime context layer: the hideout carries the
   class limits and colours (a value >= limit i is in class i + 1, as the legends
   of components/vigilance_map.class_labels say). */
window.hvVigilance = Object.assign({}, window.hvVigilance, {
  classOf: function (value, limits) {
    var i = 0;
    while (i < limits.length && value >= limits[i]) { i += 1; }
    return i;
  },
  densityStyle: function (feature, context) {
    var h = (context && context.hideout) || {};
    var colors = h.colors || ["#bd0026"];
    return {
      fillColor: colors[window.hvVigilance.classOf(feature.properties.n, h.limits || [])],
      fillOpacity: 0.8, color: "#7a0019", weight: 0.5, opacity: 0.6
    };
  },
  densityEach: function (feature, layer) {
    var n = feature.properties.n;
    layer.bindTooltip(n + " incident" + (n > 1 ? "s" : "") + " sur ce km²", {sticky: true});
  },
  contextStyle: function (feature, context) {
    var h = (context && context.hideout) || {};
    var p = feature.properties;
    var fill = (p.v === null || p.v === undefined) ? h.empty
      : h.colors[window.hvVigilance.classOf(p.v, h.limits || [])];
    return {
      fillColor: fill, fillOpacity: 0.7, color: "#3f3f46",
      weight: p.small ? 1.5 : 1, dashArray: p.small ? "4 3" : null, opacity: 0.9
    };
  },
  contextEach: function (feature, layer) {
    var p = feature.properties;
    var text = (p.v === null || p.v === undefined) ? "donnée non diffusée"
      : String(p.v).replace(".", ",") + " faits pour 1 000 hab.";
    if (p.small) { text += " (petite commune : taux instable)"; }
    var name = document.createElement("strong");
    name.textContent = p.nom;
    var box = document.createElement("div");
    box.appendChild(name);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(text));
    layer.bindTooltip(box, {sticky: true});
  }
});
