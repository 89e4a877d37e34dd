// Follows a report build in place (reports/pages/detail.html): asks the server for the
// progress fragment every two seconds and swaps it in; once the build is over, reloads the
// page so the downloads and the publish form appear. No inline script (the CSP forbids it);
// without script the page keeps its "Refresh status" button.
(function () {
  "use strict";
  var region = document.getElementById("report-progress");
  if (!region || !window.fetch) { return; }
  var url = region.getAttribute("data-progress-url");
  var refresh = document.querySelector(".report-progress-refresh");
  if (refresh) { refresh.hidden = true; }
  var INTERVAL = 2000;
  var LIMIT = 60 * 60 * 1000; // stop polling after an hour; the button comes back
  var started = Date.now();

  function state(root) {
    var node = root.querySelector("[data-state]");
    return node ? node.getAttribute("data-state") : "";
  }

  function poll() {
    if (Date.now() - started > LIMIT) {
      if (refresh) { refresh.hidden = false; }
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var now = state(holder);
        if (now !== "queued" && now !== "building") {
          window.location.reload();
          return;
        }
        if (holder.innerHTML !== region.innerHTML) { region.innerHTML = holder.innerHTML; }
        window.setTimeout(poll, INTERVAL);
      })
      .catch(function () { window.setTimeout(poll, INTERVAL * 3); });
  }

  window.setTimeout(poll, INTERVAL);
})();
