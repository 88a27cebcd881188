/* Map styling functions referenced from Python as {"variable": "hv.*"}. */
window.hv = Object.assign({}, window.hv, {
  STATUS_COLORS: {
    normal: "#2e7d32", alerte: "#f39c12", debordement: "#c0392b",
    erreur: "#8e44ad", silencieux: "#7f8c8d", sans_donnee: "#bdc3c7",
    debordement_prevu: "#e67e22"
  },
  pointToLayer: function (feature, latlng) {
    var p = feature.properties;
    var marker = L.circleMarker(latlng, {
      radius: 7, weight: 1, color: "#1b1b1b", fillOpacity: 0.9,
      fillColor: window.hv.STATUS_COLORS[p.s] || "#bdc3c7"
    });
    var fill = p.f === null || p.f === undefined ? "—" : Math.round(p.f) + " %";
    marker.bindTooltip(p.code + " · " + p.k + " · " + fill);
    return marker;
  },
  clusterToLayer: function (feature, latlng, index) {
    // A cluster is coloured by the share of its bins to collect (alert or overflow),
    // so one full bin does not paint a whole town red.
    var leaves = index.getLeaves(feature.properties.cluster_id, Infinity);
    var due = 0;
    for (var i = 0; i < leaves.length; i++) {
      var s = leaves[i].properties.s;
      if (s === "alerte" || s === "debordement" || s === "debordement_prevu") {
        due += 1;
      }
    }
    var n = feature.properties.point_count;
    var share = due / n;
    var color = share >= 0.3 ? window.hv.STATUS_COLORS.debordement
      : (share >= 0.1 ? window.hv.STATUS_COLORS.alerte : window.hv.STATUS_COLORS.normal);
    var size = n < 20 ? 34 : (n < 100 ? 42 : 50);
    var icon = L.divIcon({
      html: "<div style='background:" + color + "'><span>" + n + "</span></div>",
      className: "hv-cluster", iconSize: L.point(size, size)
    });
    return L.marker(latlng, {icon: icon}).bindTooltip(
      n + " bacs, dont " + due + " à collecter (" + Math.round(share * 100) + " %)");
  },
  communeStyle: function () {
    return {color: "#34495e", weight: 1, fillColor: "#ecf0f1", fillOpacity: 0.55};
  }
});
