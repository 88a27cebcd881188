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
