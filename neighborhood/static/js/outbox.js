/* The outbox: requests kept in IndexedDB (photos included) until the server has them.
 *
 * Every item carries its own Idempotency-Key, so sending it again after a lost answer
 * returns the first result instead of making a second report. Items are sent in the order
 * they were made; a network error or a 5xx/429 keeps an item queued, any other 4xx marks it
 * failed (shown to the user with the server's reason).
 */
(function () {
  "use strict";
  var DB = "neighborhood", STORE = "outbox", RETRY_MS = 20000;
  var listeners = [], flushing = null, timer = null;

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () {
        req.result.createObjectStore(STORE, {keyPath: "key"}).createIndex("createdAt", "createdAt");
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), result;
        t.oncomplete = function () { db.close(); resolve(result); };
        t.onerror = function () { db.close(); reject(t.error); };
        result = work(t.objectStore(STORE));
      });
    });
  }

  function all() {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var req = db.transaction(STORE).objectStore(STORE).index("createdAt").getAll();
        req.onsuccess = function () { db.close(); resolve(req.result); };
        req.onerror = function () { db.close(); reject(req.error); };
      });
    });
  }

  function put(item) { return tx("readwrite", function (store) { store.put(item); }); }

  function notify() { all().then(function (items) { listeners.forEach(function (fn) { fn(items); }); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  /* Queue a request: {method, url, json} or {method, url, fields, files: [{name, blob, filename}]}. */
  function add(request, label) {
    var item = Object.assign({key: request.key || newKey(), createdAt: Date.now(), status: "queued",
                              label: label || "", attempts: 0}, request);
    return put(item).then(function () { notify(); return item; });
  }

  function body(item) {
    if (item.json !== undefined) { return JSON.stringify(item.json); }
    var form = new FormData();
    Object.keys(item.fields || {}).forEach(function (name) {
      var value = item.fields[name];
      (Array.isArray(value) ? value : [value]).forEach(function (v) { form.append(name, v); });
    });
    (item.files || []).forEach(function (file) { form.append(file.name, file.blob, file.filename || "photo.jpg"); });
    return form;
  }

  /* This session's CSRF token, fresh: a page kept offline may hold an older session's. */
  function freshToken() {
    return fetch("/csrf-token", {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (body) { return body.csrf_token || ""; }, function () { return ""; });
  }

  function send(item, token) {
    var headers = {"Idempotency-Key": '"' + item.key + '"', "Accept": "application/json",
                   "X-CSRFToken": token || (window.NB ? NB.csrfToken() : "")};
    if (item.json !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(item.url, {method: item.method || "POST", headers: headers, body: body(item),
                            credentials: "same-origin"})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return {status: response.status, data: data, location: response.headers.get("Location")};
        });
      });
  }

  function flushOne(item, token) {
    item.attempts += 1;
    return send(item, token).then(function (answer) {
      if (answer.status < 300) {
        item.status = "sent";
        item.sentAt = Date.now();
        item.result = {id: answer.data && (answer.data.id || (answer.data.properties || {}).id),
                       location: answer.location};
        item.files = [];  // the server has the photos now
        return put(item).then(function () { return true; });
      }
      if (answer.status >= 500 || answer.status === 429 || (answer.status === 409 && item.method === "POST")) {
        return put(item).then(function () { return false; });  // try again later
      }
      item.status = "failed";
      item.error = (answer.data && answer.data.message) || ("HTTP " + answer.status);
      item.errors = answer.data && answer.data.errors;
      return put(item).then(function () { return true; });
    }, function () {
      return put(item).then(function () { return false; });  // offline or the answer was lost
    });
  }

  /* Send every queued item in order; stop at the first that cannot get through. */
  function flush() {
    if (flushing) { return flushing; }
    flushing = all().then(function (items) {
      var queued = items.filter(function (item) { return item.status === "queued"; });
      if (!queued.length) { return true; }
      return freshToken().then(function (token) {
        return queued.reduce(function (chain, item) {
          return chain.then(function (goOn) { return goOn ? flushOne(item, token).then(function (ok) { notify(); return ok; }) : false; });
        }, Promise.resolve(true));
      });
    }).then(function (done) {
      flushing = null;
      schedule();
      return done;
    }, function (error) { flushing = null; throw error; });
    return flushing;
  }

  function schedule() {
    clearTimeout(timer);
    all().then(function (items) {
      if (items.some(function (item) { return item.status === "queued"; })) {
        timer = setTimeout(flush, RETRY_MS);
      }
    });
  }

  function get(key) {
    return all().then(function (items) { return items.filter(function (i) { return i.key === key; })[0]; });
  }

  function onChange(fn) { listeners.push(fn); notify(); }

  window.addEventListener("online", function () { flush(); });
  window.NBOutbox = {add: add, flush: flush, all: all, get: get, onChange: onChange, newKey: newKey};
  if (navigator.onLine) { flush(); } else { schedule(); }
}());
