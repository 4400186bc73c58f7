/* Neighborhood: what every page shares. Strings come translated from the server (#i18n). */
(function () {
  "use strict";
  var strings = {};
  try { strings = JSON.parse(document.getElementById("i18n").textContent); } catch (e) { /* none */ }

  function t(key) { return strings[key] || key; }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /* Build an element: el("li", {class: "x"}, ["text", child]); text is never parsed as HTML. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; } else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function announce(message) {
    var live = document.getElementById("live-status");
    if (!live) {
      live = el("div", {id: "live-status", role: "status", "aria-live": "polite", class: "visually-hidden"});
      document.body.appendChild(live);
    }
    live.textContent = message;
  }

  window.NB = {t: t, csrfToken: csrfToken, el: el, announce: announce};

  if ("serviceWorker" in navigator && document.documentElement.dataset.noSw === undefined) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* pages still work */ });
    /* Keep this page and what it loaded, so it opens again without a connection. */
    navigator.serviceWorker.ready.then(function (registration) {
      var files = performance.getEntriesByType("resource").map(function (entry) { return entry.name; })
        .filter(function (name) { return name.indexOf(location.origin) === 0 && name.indexOf("/api/") < 0 && name.indexOf("/map-tiles/") < 0; });
      if (registration.active) { registration.active.postMessage({cache: [location.pathname].concat(files)}); }
    });
  }
  window.addEventListener("offline", function () { announce(t("offline")); });
  window.addEventListener("online", function () { announce(t("online")); });
}());
