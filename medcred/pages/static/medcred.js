// medcred's web apps: the little the pages need beyond HTML, loaded from the app (no inline script).
// - live: a signed-in page (body[data-events]) listens to its server-sent events and, on a change,
//   fetches itself again and swaps each [data-live][id] element for its fresh copy;
// - [data-copy="#id"] buttons copy that field's value;
// - input[type=file][data-autosubmit] sends its form once a file (or a photo) is chosen.
// Every page works without it; live updates then need a reload.
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("announce");
    if (region) { region.textContent = ""; window.setTimeout(function () { region.textContent = text; }, 50); }
  }

  function refresh() {
    var live = document.querySelectorAll("[data-live][id]");
    var self = document.body.getAttribute("data-self");  // a page answered to a form has none
    if (!live.length || !self) { return; }
    fetch(self, { credentials: "same-origin", headers: { "X-Medcred-Live": "1" } })
      .then(function (response) {
        if (response.redirected || !response.ok) { return null; }
        return response.text();
      })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var changed = false;
        live.forEach(function (element) {
          var replacement = fresh.getElementById(element.id);
          if (!replacement || element.contains(document.activeElement) && document.activeElement !== document.body) { return; }
          if (element.innerHTML !== replacement.innerHTML) {
            element.replaceWith(document.importNode(replacement, true));
            changed = true;
          }
        });
        if (changed) {
          document.body.dispatchEvent(new CustomEvent("medcred:updated"));
          announce(document.body.getAttribute("data-updated-text") || "This page was updated.");
        }
      })
      .catch(function () { /* offline for a moment: the next event tries again */ });
  }

  function listen() {
    var url = document.body.getAttribute("data-events");
    if (!url || !window.EventSource) { return; }
    var source = new EventSource(url);
    var timer = null;
    source.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 100);
    });
    source.addEventListener("open", function () { document.body.setAttribute("data-live-ready", "true"); });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.select();
    var done = function () { button.textContent = "Copied"; announce("Copied to the clipboard."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-autosubmit]") && input.files.length && input.form) {
      input.form.requestSubmit();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", listen);
  } else {
    listen();
  }
})();
