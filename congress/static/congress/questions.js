// While a congress is live, refresh its list of approved questions without reloading
// the page. Progressive enhancement: without this script the list is shown as it was
// when the page loaded, and reloading the page shows the newest.
(function () {
  "use strict";
  var list = document.getElementById("questions-list");
  if (!list || !list.dataset.liveUrl || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = list.dataset.liveUrl;
  var status = document.getElementById("questions-live-status");
  var seconds = parseInt(list.dataset.refreshSeconds, 10) || 20;
  var last = list.innerHTML.trim();
  var timer = null;

  function refresh() {
    if (document.hidden) {
      return;
    }
    fetch(url, { credentials: "omit", cache: "no-cache", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.status === 404) {
          window.clearInterval(timer);
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || html.trim() === last) {
          return;
        }
        last = html.trim();
        var fragment = new DOMParser().parseFromString(html, "text/html");
        list.replaceChildren.apply(list, Array.prototype.slice.call(fragment.body.childNodes));
        if (status) {
          status.textContent = status.dataset.updated || "";
        }
      })
      .catch(function () {
        // Offline for a moment: the next round tries again.
      });
  }

  timer = window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      refresh();
    }
  });
})();
