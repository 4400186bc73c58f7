/* The report form, enhanced: family buttons filter categories, GPS and a draggable pin,
 * nearby open reports ("me too"), photos resized before upload, and the offline outbox.
 * Without this script the same form posts to the server and works.
 */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !window.NB || !window.NBOutbox) { return; }
  var t = NB.t, el = NB.el;
  var category = document.getElementById("category");
  var latInput = document.getElementById("lat"), lonInput = document.getElementById("lon");
  var photosInput = document.getElementById("photos"), photoStatus = document.getElementById("photo-status");
  var mapBox = document.getElementById("pick-map");
  var map = mapBox ? window[mapBox.dataset.map] : null, pin = null, resized = [];
  var MAX_SIDE = 1600, QUALITY = 0.82;

  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (node) { node.hidden = false; });
  if (map) { setTimeout(function () { map.invalidateSize(); }, 0); }

  /* Family buttons: show only that family's categories. */
  function showFamily(family) {
    Array.prototype.forEach.call(category.querySelectorAll("optgroup"), function (group) {
      var match = !family || group.dataset.family === family;
      group.hidden = !match;
      group.disabled = !match;
    });
    var chosen = category.selectedOptions[0];
    if (family && chosen && chosen.dataset.family !== family) { category.value = ""; }
    showQuestions();
  }
  function showQuestions() {
    Array.prototype.forEach.call(document.querySelectorAll(".questions"), function (set) {
      set.hidden = set.dataset.category !== category.value;
    });
  }
  Array.prototype.forEach.call(form.querySelectorAll('input[name="family"]'), function (radio) {
    radio.addEventListener("change", function () { showFamily(radio.value); category.focus(); });
  });
  category.addEventListener("change", function () { showQuestions(); findNearby(); });
  var checked = form.querySelector('input[name="family"]:checked');
  showFamily(checked ? checked.value : "");

  /* Where: GPS, a draggable pin, or a tap on the map. */
  function place(lat, lon, zoom) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    if (!map) { return; }
    if (!pin) {
      pin = L.marker([lat, lon], {draggable: true, keyboard: true, title: t("report")}).addTo(map);
      pin.on("dragend", function () { var p = pin.getLatLng(); place(p.lat, p.lng); });
    } else {
      pin.setLatLng([lat, lon]);
    }
    map.setView([lat, lon], zoom || Math.max(map.getZoom(), 17));
    findNearby();
  }
  if (map) { map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); }); }
  if (latInput.value && lonInput.value) { place(parseFloat(latInput.value), parseFloat(lonInput.value)); }
  var locateStatus = document.getElementById("locate-status");
  function locate() {
    if (!navigator.geolocation) { locateStatus.textContent = t("no_location"); return; }
    locateStatus.textContent = t("locating");
    navigator.geolocation.getCurrentPosition(function (pos) {
      place(pos.coords.latitude, pos.coords.longitude, 18);
      locateStatus.textContent = t("located");
    }, function () { locateStatus.textContent = t("no_location"); },
    {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }
  document.getElementById("locate").addEventListener("click", locate);

  /* "Is it one of these?": open reports of the same category close by. */
  var nearbyTimer = null;
  function findNearby() {
    clearTimeout(nearbyTimer);
    nearbyTimer = setTimeout(function () {
      var section = document.getElementById("nearby"), list = document.getElementById("nearby-list");
      if (!category.value || !latInput.value || !navigator.onLine) { section.hidden = true; return; }
      var url = form.dataset.nearby + "?lat=" + latInput.value + "&lon=" + lonInput.value +
        "&category=" + encodeURIComponent(category.value) + "&limit=5";
      fetch(url, {headers: {Accept: "application/json"}}).then(function (r) { return r.ok ? r.json() : {features: []}; })
        .then(function (data) {
          list.textContent = "";
          (data.features || []).forEach(function (feature) {
            var p = feature.properties;
            var button = el("button", {type: "button", class: "secondary", "data-id": String(p.id)}, ["👍 " + t("me_too")]);
            button.addEventListener("click", function () { meToo(p.id, button); });
            list.appendChild(el("li", {}, [
              el("strong", {text: p.category_name}), " · " + Math.round(p.distance_m) + " m · ",
              el("a", {href: "/reports/" + p.id, text: "#" + p.id}), el("br"),
              el("span", {class: "muted", text: (p.description || "").slice(0, 140)}), el("br"), button]));
          });
          section.hidden = !list.children.length;
        }).catch(function () { section.hidden = true; });
    }, 400);
  }
  function deviceId() {
    var id = localStorage.getItem("nb-device");
    if (!id) { id = NBOutbox.newKey(); localStorage.setItem("nb-device", id); }
    return id;
  }
  function meToo(id, button) {
    button.disabled = true;
    fetch("/api/v1/reports/" + id + "/support", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": NB.csrfToken(), Accept: "application/json"},
      body: JSON.stringify({device_id: deviceId()})
    }).then(function (r) {
      if (r.ok) { window.location.href = "/reports/" + id; } else { button.disabled = false; }
    }, function () { button.disabled = false; });
  }

  /* Photos: resized in the browser (longest side 1600 px, JPEG) to save data. */
  function resize(file) {
    return new Promise(function (resolve) {
      var img = new Image(), url = URL.createObjectURL(file);
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) { resolve(blob && blob.size < file.size ? blob : file); }, "image/jpeg", QUALITY);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };  // the server decides
      img.src = url;
    });
  }
  photosInput.addEventListener("change", function () {
    var files = Array.prototype.slice.call(photosInput.files, 0, 3);
    Promise.all(files.map(resize)).then(function (blobs) {
      resized = blobs;
      var kb = Math.round(blobs.reduce(function (n, b) { return n + b.size; }, 0) / 1024);
      photoStatus.textContent = blobs.length ? t("photo_ready") + " (" + blobs.length + ", " + kb + " KB)" : "";
    });
  });

  /* Submit through the outbox: kept on the phone until the server has it, sent exactly once. */
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!form.reportValidity()) { return; }
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (name === "photos" || name === "csrf_token" || name === "idempotency_key" || name === "family") { return; }
      if (name.indexOf("q.") === 0) {
        var parts = name.split(".");
        if (parts[1] !== category.value || !value) { return; }
        name = "attributes." + parts.slice(2).join(".");
      }
      if (value !== "") { fields[name] = value; }
    });
    if (!fields.lat && !fields.address) { locateStatus.textContent = t("no_location"); document.getElementById("locate").focus(); return; }
    if (!fields.lat) { form.submit(); return; }  // only an address: the server places it
    var key = form.querySelector('input[name="idempotency_key"]').value || NBOutbox.newKey();
    var label = category.selectedOptions[0] ? category.selectedOptions[0].textContent : "";
    var files = resized.map(function (blob, i) { return {name: "photos", blob: blob, filename: "photo" + (i + 1) + ".jpg"}; });
    var send = document.getElementById("send");
    send.disabled = true;
    NBOutbox.add({key: key, method: "POST", url: form.dataset.api, fields: fields, files: files}, label)
      .then(function () { return NBOutbox.flush(); })
      .then(function () { return NBOutbox.get(key); })
      .then(function (item) {
        if (item && item.status === "sent" && item.result && item.result.id) {
          window.location.href = "/reports/" + item.result.id;
          return;
        }
        send.disabled = false;
        if (item && item.status === "failed") { NB.announce(item.error); return; }
        form.reset();
        resized = [];
        photoStatus.textContent = "";
        form.querySelector('input[name="idempotency_key"]').value = NBOutbox.newKey();
        NB.announce(t("queued"));
      });
  });

  /* What is on this phone: queued and sent reports. */
  var outbox = document.getElementById("outbox"), outboxList = document.getElementById("outbox-list");
  NBOutbox.onChange(function (items) {
    var mine = items.filter(function (item) { return item.url === form.dataset.api; }).slice(-10).reverse();
    outboxList.textContent = "";
    mine.forEach(function (item) {
      var state = {queued: t("waiting"), sent: t("sent"), failed: t("failed")}[item.status];
      var parts = [el("strong", {text: item.label || t("report")}), " · ",
                   el("span", {class: "status s-" + item.status, text: state})];
      if (item.result && item.result.id) { parts.push(" · ", el("a", {href: "/reports/" + item.result.id, text: "#" + item.result.id})); }
      if (item.error) { parts.push(el("br"), el("span", {class: "field-error", text: item.error})); }
      outboxList.appendChild(el("li", {"data-key": item.key, "data-status": item.status}, parts));
    });
    outbox.hidden = !mine.length;
  });
}());
