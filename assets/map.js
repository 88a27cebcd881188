/* Map styling functions referenced from Python as {"variable": "hv.*"}. */
window.hv = Object.assign({}, window.hv, {
  STATUS_COLORS: {
    normal: "#2e7d32", alerte: "#f39c12", debordement: "#c0392b",
    erreur: "#8e44ad", silencieux: "#7f8c8d", sans_donnee: "#bdc3c7"
  },
  STATUS_RANK: {debordement: 5, alerte: 4, erreur: 3, silencieux: 2, normal: 1, sans_donnee: 0},
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
    var leaves = index.getLeaves(feature.properties.cluster_id, Infinity);
    var worst = "sans_donnee";
    for (var i = 0; i < leaves.length; i++) {
      var s = leaves[i].properties.s;
      if ((window.hv.STATUS_RANK[s] || 0) > window.hv.STATUS_RANK[worst]) { worst = s; }
    }
    var n = feature.properties.point_count;
    var size = n < 20 ? 34 : (n < 100 ? 42 : 50);
    var icon = L.divIcon({
      html: "<div style='background:" + window.hv.STATUS_COLORS[worst] + "'><span>" + n + "</span></div>",
      className: "hv-cluster", iconSize: L.point(size, size)
    });
    return L.marker(latlng, {icon: icon});
  },
  communeStyle: function () {
    return {color: "#34495e", weight: 1, fillColor: "#ecf0f1", fillOpacity: 0.55};
  }
});
