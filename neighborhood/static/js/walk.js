/* Walk mode: start a walk, record the GPS track, capture reports in two taps, end with a
 * summary. Everything goes through the outbox, so it all works with no signal: the walk is
 * a PUT by the phone's UUID (the server merges tracks), each report a POST with its key.
 */
(function () {
  "use strict";
  var dataNode = document.getElementById("walk-data");
  if (!dataNode || !window.NBOutbox) { return; }
  var data = JSON.parse(dataNode.textContent), s = data.strings, el = NB.el;
  var STATE_KEY = "nb-walk", UPLOAD_EVERY_MS = 120000;
  var walk = JSON.parse(localStorage.getItem(STATE_KEY) || "null");
  var watchId = null, clock = null, lastUpload = 0, lastFix = null;
  var mapBox = document.getElementById("walk-map"), map = window[mapBox.dataset.map];

  function $(id) { return document.getElementById(id); }
  function save() { localStorage.setItem(STATE_KEY, JSON.stringify(walk)); }
  function show(section) {
    ["walk-idle", "walk-active", "walk-summary"].forEach(function (id) { $(id).hidden = id !== section; });
  }

  /* The walk as the API takes it; the full track each time (the server merges, no loss). */
  function queueWalk() {
    var body = {started_at: walk.startedAt, track: walk.track.map(function (p) { return {lon: p[0], lat: p[1], at: p[2]}; })};
    if (walk.endedAt) { body.ended_at = walk.endedAt; }
    lastUpload = Date.now();
    return NBOutbox.add({method: "PUT", url: data.walkUrl + walk.uuid, json: body}, s.walk)
      .then(function () { return NBOutbox.flush(); });
  }

  function record(position) {
    var c = position.coords;
    lastFix = [Number(c.longitude.toFixed(6)), Number(c.latitude.toFixed(6)), Date.now()];
    var last = walk.track[walk.track.length - 1];
    if (!last || last[0] !== lastFix[0] || last[1] !== lastFix[1]) {
      walk.track.push(lastFix);
      save();
    }
    $("walk-points").textContent = String(walk.track.length);
    if (Date.now() - lastUpload > UPLOAD_EVERY_MS) { queueWalk(); }
  }

  function tick() {
    var seconds = Math.round((Date.now() - Date.parse(walk.startedAt)) / 1000);
    $("walk-clock").textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function resume() {
    show("walk-active");
    $("walk-points").textContent = String(walk.track.length);
    $("walk-reports").textContent = String(walk.reports.length);
    if (navigator.geolocation) {
      watchId = navigator.geolocation.watchPosition(record, function () {}, {enableHighAccuracy: true, maximumAge: 5000});
    }
    clock = setInterval(tick, 1000);
    tick();
  }

  $("walk-start").addEventListener("click", function () {
    walk = {uuid: NBOutbox.newKey(), startedAt: new Date().toISOString(), track: [], reports: []};
    save();
    NB.announce(s.started);
    resume();
    queueWalk();
  });

  /* Two taps: the family, then the category; the report is made at the current place. */
  function chooseFamily(family) {
    $("walk-families").hidden = !!family;
    Array.prototype.forEach.call(document.querySelectorAll(".walk-categories"), function (list) {
      list.hidden = list.dataset.family !== family;
    });
    var first = family && document.querySelector('.walk-categories[data-family="' + family + '"] button');
    if (first) { first.focus(); }
  }
  Array.prototype.forEach.call(document.querySelectorAll(".family-button"), function (button) {
    button.addEventListener("click", function () { chooseFamily(button.dataset.family); });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".walk-back"), function (button) {
    button.addEventListener("click", function () { chooseFamily(""); });
  });

  function capture(categoryCode, label) {
    var fix = lastFix || walk.track[walk.track.length - 1];
    if (!fix) { NB.announce(s.no_gps); return; }
    var note = $("walk-note").value.trim(), photo = $("walk-photo").files[0];
    var fields = {category: categoryCode, description: note || s.description,
                  lat: String(fix[1]), lon: String(fix[0]), walk_id: walk.uuid};
    var files = photo ? [{name: "photos", blob: photo, filename: photo.name || "photo.jpg"}] : [];
    var key = NBOutbox.newKey();
    walk.reports.push({key: key, category: label, lon: fix[0], lat: fix[1], at: Date.now()});
    save();
    $("walk-reports").textContent = String(walk.reports.length);
    $("walk-note").value = "";
    $("walk-photo").value = "";
    chooseFamily("");
    NB.announce(s.saved + ": " + label);
    NBOutbox.add({key: key, method: "POST", url: data.reportsUrl, fields: fields, files: files}, label)
      .then(function () { return NBOutbox.flush(); });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".category-button"), function (button) {
    button.addEventListener("click", function () { capture(button.dataset.category, button.textContent.trim()); });
  });

  /* End: stop the GPS, queue the finished walk, show the route and the reports made. */
  $("walk-end").addEventListener("click", function () {
    if (watchId !== null) { navigator.geolocation.clearWatch(watchId); }
    clearInterval(clock);
    walk.endedAt = new Date().toISOString();
    save();
    var ended = walk;
    queueWalk();
    localStorage.removeItem(STATE_KEY);
    walk = null;
    NB.announce(s.ended);
    summarize(ended);
  });

  function distanceKm(track) {
    var total = 0;
    for (var i = 1; i < track.length; i++) {
      total += L.latLng(track[i - 1][1], track[i - 1][0]).distanceTo(L.latLng(track[i][1], track[i][0]));
    }
    return total / 1000;
  }

  function summarize(ended) {
    show("walk-summary");
    var minutes = Math.round((Date.parse(ended.endedAt) - Date.parse(ended.startedAt)) / 60000);
    $("walk-summary-text").textContent = s.summary.replace("{minutes}", minutes)
      .replace("{km}", distanceKm(ended.track).toFixed(2)).replace("{n}", ended.reports.length);
    map.invalidateSize();
    var route = ended.track.map(function (p) { return [p[1], p[0]]; });
    if (route.length) {
      var line = L.polyline(route, {color: "#0b4f94", weight: 5}).addTo(map);
      map.fitBounds(line.getBounds().pad(0.2), {maxZoom: 18});
    }
    var list = $("walk-summary-list");
    ended.reports.forEach(function (report, i) {
      L.circleMarker([report.lat, report.lon], {radius: 9, color: "#a4141b", fillOpacity: 0.8})
        .bindTooltip(String(i + 1)).addTo(map);
      list.appendChild(el("li", {"data-key": report.key}, [report.category]));
    });
    $("walk-saved-link").href = data.summaryUrl + ended.uuid;
  }

  /* What is still on the phone: the walk and its reports, until the server has them. */
  var outbox = $("outbox"), outboxList = $("outbox-list");
  NBOutbox.onChange(function (items) {
    var waiting = items.filter(function (item) { return item.status !== "sent"; });
    outboxList.textContent = "";
    waiting.slice(-20).forEach(function (item) {
      var state = {queued: s.waiting, failed: s.failed}[item.status];
      var parts = [el("strong", {text: item.label}), " · ", el("span", {class: "status", text: state})];
      if (item.error) { parts.push(el("br"), el("span", {class: "field-error", text: item.error})); }
      outboxList.appendChild(el("li", {"data-status": item.status}, parts));
    });
    outbox.hidden = !waiting.length;
  });

  if (walk && !walk.endedAt) { resume(); } else { show("walk-idle"); }
}());
