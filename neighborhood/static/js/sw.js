/* Service worker: keeps the app shell (pages, styles, scripts, Leaflet) for offline use.
 *
 * Pages: network first, the cached copy when offline. Static files and map libraries:
 * cache first (their URLs carry a version). API calls and posts are never cached here:
 * the page's outbox (IndexedDB) holds reports until they are sent.
 */
"use strict";
var CACHE = "neighborhood-shell-v2";
var SHELL = ["/reports/new", "/"];
/* Pages kept for offline use: public ones and walk mode. Never staff pages, a report's page
   or anything else a shared tablet should not show after sign-out. */
var OFFLINE_PAGES = ["/", "/reports/new", "/walk", "/map"];

/* The files a page loads from us (scripts, styles, Leaflet), read from its HTML. */
function filesOf(html) {
  var found = [], pattern = /(?:src|href)="(\/(?:static|map-assets)\/[^"]+)"/g, match;
  while ((match = pattern.exec(html)) !== null) { found.push(match[1].replace(/&amp;/g, "&")); }
  return found;
}

/* Keep a page and everything it needs, so it opens without a connection. */
function keepPage(cache, url) {
  /* Without cookies: a fetch that ends after the visitor signs in must not put the old
     session's cookie back. The page's CSRF token is refreshed before sending (outbox.js). */
  return fetch(url, {credentials: "omit"}).then(function (response) {
    if (!response.ok || response.redirected) { return; }
    return response.clone().text().then(function (html) {
      return Promise.all([cache.put(url, response)].concat(filesOf(html).map(function (file) {
        return cache.match(file).then(function (hit) { return hit || cache.add(file); });
      })));
    });
  }).catch(function () { /* kept later, when visited */ });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) { return keepPage(cache, url); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

/* A page asks to keep what it loaded (its own URL and its files), so it opens offline. */
self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.cache) || [];
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.filter(sameOrigin).filter(keepable).map(function (url) {
      return cache.match(url).then(function (hit) { return hit || cache.add(url).catch(function () {}); });
    }));
  }));
});

function sameOrigin(url) { return new URL(url, self.location.href).origin === self.location.origin; }

function keepable(url) {
  var path = new URL(url, self.location.href).pathname;
  return isStatic({pathname: path}) || OFFLINE_PAGES.indexOf(path) >= 0;
}

function isStatic(url) {
  return url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/map-assets/") === 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) {
    return;  // the network, untouched
  }
  if (isStatic(url)) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) { var copy = response.clone(); caches.open(CACHE).then(function (c) { c.put(request, copy); }); }
        return response;
      });
    }));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected && OFFLINE_PAGES.indexOf(url.pathname) >= 0) {
        var copy = response.clone();
        caches.open(CACHE).then(function (c) { c.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname).then(function (hit) { return hit || caches.match("/reports/new"); });
    }));
  }
});
