/* Health choropleth: style and tooltip of a commune, referenced as {"variable": "hvSante.*"}.
   The hideout carries the property shown, the class limits and the colours. */
window.hvSante = Object.assign({}, window.hvSante, {
  classOf: function (value, limits) {
    // Same rule as services/coverage.class_index: the number of limits <= value.
    var i = 0;
    while (i < limits.length && value >= limits[i]) { i += 1; }
    return i;
  },
  color: function (value, h) {
    if (value === null || value === undefined) { return h.empty; }
    if (value === 0 && h.zero) { return h.zero; }
    return h.colors[window.hvSante.classOf(value, h.limits || [])];
  },
  format: function (value, decimals) {
    if (value === null || value === undefined) { return "sans donnée"; }
    return Number(value).toFixed(decimals || 0).replace(".", ",");
  },
  style: function (feature, context) {
    var h = (context && context.hideout) || {};
    var p = feature.properties;
    var selected = h.selected && h.selected === p.code;
    return {
      fillColor: window.hvSante.color(p[h.prop], h),
      fillOpacity: 0.85,
      color: selected ? "#111827" : "#ffffff",
      weight: selected ? 3.5 : 1,
      opacity: 1
    };
  },
  onEachFeature: function (feature, layer, context) {
    var h = (context && context.hideout) || {};
    var p = feature.properties;
    var value = p[h.prop];
    var text = window.hvSante.format(value, h.decimals);
    if (value !== null && value !== undefined) { text += " " + (h.unit || ""); }
    var name = document.createElement("strong");
    name.textContent = p.nom;
    var box = document.createElement("div");
    box.appendChild(name);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(text));
    layer.bindTooltip(box, {sticky: true});
  }
});
