/* Printed charts fit the A4 page.
 *
 * Plotly draws a graph at a width in pixels taken from the screen, so on paper the
 * charts of /synthese overflowed the page or were cut. Before printing (the
 * beforeprint event, or the print media query when a browser or a PDF renderer
 * only switches media), the page takes its paper width (html.hv-printing, see
 * synthese_print.css) and each graph is redrawn at the width of its column; after
 * printing they go back to the screen width.
 */
(function () {
  "use strict";
  var PRINTING = "hv-printing";

  function graphs() {
    // Only graphs Plotly has drawn (a graph being replaced by a callback is skipped).
    return Array.prototype.slice
      .call(document.querySelectorAll(".hv-synthese .js-plotly-plot"))
      .filter(function (gd) {
        return Boolean(gd._fullLayout);
      });
  }

  function fitToPaper() {
    if (!window.Plotly) {
      return;
    }
    document.documentElement.classList.add(PRINTING);
    graphs().forEach(function (gd) {
      // Reading the width forces the layout with the paper width applied.
      var width = Math.floor(gd.getBoundingClientRect().width);
      if (width > 0) {
        gd.setAttribute("data-hv-print-width", String(width));
        window.Plotly.relayout(gd, { width: width });
      }
    });
  }

  function backToScreen() {
    var root = document.documentElement;
    if (!window.Plotly || !root.classList.contains(PRINTING)) {
      return;
    }
    root.classList.remove(PRINTING);
    graphs().forEach(function (gd) {
      window.Plotly.relayout(gd, { width: null, autosize: true });
    });
  }

  window.addEventListener("beforeprint", fitToPaper);
  window.addEventListener("afterprint", backToScreen);
  if (window.matchMedia) {
    var media = window.matchMedia("print");
    var onChange = function (event) {
      if (event.matches) {
        fitToPaper();
      } else {
        backToScreen();
      }
    };
    if (media.addEventListener) {
      media.addEventListener("change", onChange);
    } else {
      media.addListener(onChange);
    }
  }
})();
