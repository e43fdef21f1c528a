/* Small enhancements; every page works without them. Loaded with `defer`. */
(function () {
    "use strict";

    // A form sent back with errors: focus moves to its summary (the `autofocus`
    // attribute does the same without JavaScript, except when the address has a
    // #fragment). A link in the summary brings its field and the field's label into view.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
        var focusSummary = function () {
            var active = document.activeElement;
            if (!active || active === document.body) {
                summary.focus();
            }
        };
        focusSummary();
        // Going to the #fragment of the address after loading takes focus away again.
        window.addEventListener("load", function () {
            window.setTimeout(focusSummary, 0);
        });
        summary.addEventListener("click", function (event) {
            var link = event.target.closest("a[href^='#']");
            var field = link && document.getElementById(link.getAttribute("href").slice(1));
            if (!field) {
                return;
            }
            event.preventDefault();
            (field.closest(".field, fieldset") || field).scrollIntoView();
            field.focus({ preventScroll: true });
        });
    }

    // Offline reading: a service worker keeps the pages read (static/js/sw.js).
    var offlineUrl = document.documentElement.getAttribute("data-offline-url");
    if (!offlineUrl || !("serviceWorker" in navigator) || !window.isSecureContext) {
        return;
    }
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
        // No worker (private mode, storage full): the site works as it is.
    });
    navigator.serviceWorker.ready.then(function (registration) {
        if (registration.active) {
            registration.active.postMessage({ type: "offline-page", url: offlineUrl });
        }
    });
})();
