/* Clientside helpers for the infinite grids: refetch rows when filters change. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  hvGrid: {
    purge: function () {
      var id = dash_clientside.callback_context.outputs_list.id;
      try {
        var api = dash_ag_grid.getApi(id);
        if (api) { api.purgeInfiniteCache(); }
      } catch (e) { /* grid not mounted yet: it will load with the new filters */ }
      return window.dash_clientside.no_update;
    },
    refresh: function (n) {
      // Every 30 s, reload the rows on screen (keeps the scroll position).
      if (n && n % 6 === 0) {
        var id = dash_clientside.callback_context.outputs_list.id;
        try {
          var api = dash_ag_grid.getApi(id);
          if (api) { api.refreshInfiniteCache(); }
        } catch (e) { /* grid not mounted yet */ }
      }
      return window.dash_clientside.no_update;
    }
  }
});
