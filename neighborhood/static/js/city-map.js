/* The city map (/map): the reports of the visible area from /api/v1/reports as you pan,
 * clustered, with the list under the map built from the same data; layers for Gi* hotspots,
 * emerging trends and incident groups. The page embeds no reports: everything comes from
 * the API. User text reaches the page only through textContent (NB.el), never as HTML.
 * Without this script the filter form still posts (GET) to the server, which lists reports.
 */
(function () {
  "use strict";
  var box = document.getElementById("city-map");
  if (!box || !window.NB || !window.L || !L.markerClusterGroup) { return; }
  var map = window[box.dataset.map];
  if (!map) { return; }
  var el = NB.el;
  var strings = readJson("map-strings"), config = readJson("map-config");
  var form = document.getElementById("map-filters");
  var statusLine = document.getElementById("map-status");
  var listBox = document.getElementById("report-list");
  var listHeading = document.getElementById("reports-heading");
  var lang = document.documentElement.lang || "en";
  var PAGE_SIZE = 500, MAX_REPORTS = 2000, LIST_STEP = 50, DEBOUNCE_MS = 350;
  var MAX_INCIDENT_LINKS = 20, REBUILD_AFTER = 100;
  var HOT_COLORS = {"3": "#b2182b", "2": "#d6604d", "1": "#f4a582",
                    "-1": "#92c5de", "-2": "#4393c3", "-3": "#2166ac"};
  var PATTERN_COLORS = {1: "#d62728", 2: "#ff7f0e", 3: "#8c564b", 4: "#9467bd", 5: "#e377c2",
                        6: "#bcbd22", 7: "#17becf", 8: "#7f7f7f"};
  var numbers = new Intl.NumberFormat(lang);
  var plurals = new Intl.PluralRules(lang);
  var dates = new Intl.DateTimeFormat(lang, {dateStyle: "medium", timeZone: config.timezone});

  function readJson(id) {
    try { return JSON.parse(document.getElementById(id).textContent); } catch (e) { return {}; }
  }

  /* A translated string with {name} placeholders filled; `n` picks the singular form. */
  function s(key, values) {
    values = values || {};
    if (typeof values.n === "number" && plurals.select(values.n) === "one" && strings[key + "_one"]) {
      key += "_one";
    }
    var text = strings[key] || key;
    Object.keys(values).forEach(function (name) {
      var value = typeof values[name] === "number" ? numbers.format(values[name]) : String(values[name]);
      text = text.split("{" + name + "}").join(value);
    });
    return text;
  }

  function setStatus(text, kind) {
    statusLine.hidden = false;
    statusLine.textContent = text;
    statusLine.className = "map-status" + (kind ? " " + kind : "");
  }

  /* ISO 8601 as the API writes it (Python keeps microseconds; Date wants milliseconds). */
  function parseIso(iso) { return new Date(String(iso).replace(/(\.\d{3})\d+/, "$1")); }

  function formatDate(value) {
    var moment = value instanceof Date ? value : parseIso(value);
    return isNaN(moment) ? "" : dates.format(moment);
  }

  function truncate(text, length) {
    text = text || "";
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  function statusWord(code) { return config.statuses[code] || String(code).replace(/_/g, " "); }
  function familyIcon(code) { return (config.families[code] || {}).icon || "•"; }
  function isClosed(code) { return config.statusGroups.closed.indexOf(code) >= 0; }
  function reportUrl(id) { return config.reportUrl + encodeURIComponent(id); }

  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (node) { node.hidden = false; });
  setTimeout(function () { map.invalidateSize(); }, 0);

  /* ---- Filters: the form's fields, checked here as on the server ---- */

  function filters() {
    var checked = function (name) {
      return Array.prototype.map.call(form.querySelectorAll('input[name="' + name + '"]:checked'),
                                      function (input) { return input.value; });
    };
    return {families: checked("family"), status: checked("status")[0] || "all",
            from: form.elements.from.value, to: form.elements.to.value,
            layers: Array.prototype.map.call(document.querySelectorAll('input[name="layer"]:checked'),
                                             function (input) { return input.value; })};
  }

  function fieldError(name, message) {
    var input = form.elements[name], note = document.getElementById(name + "-error");
    if (message) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    if (note) { note.textContent = message || ""; note.hidden = !message; }
  }

  function plausible(day) {
    var year = parseInt(day.slice(0, 4), 10);
    return /^\d{4}-\d{2}-\d{2}$/.test(day) && year >= 1900 && year <= 2999;
  }

  /* The server refused the filters in the address: nothing loads until the visitor fixes them. */
  var refused = !!document.getElementById("filter-errors");

  /* Check the dates; when the visitor changed the form, the server's old messages go. */
  function valid(wanted, changed) {
    var fromError = wanted.from && !plausible(wanted.from) ? s("date_invalid") : "";
    var toError = wanted.to && !plausible(wanted.to) ? s("date_invalid") : "";
    if (!fromError && !toError && wanted.from && wanted.to && wanted.from > wanted.to) {
      fromError = s("dates_order");
    }
    fieldError("from", fromError);
    fieldError("to", toError);
    if (changed) {
      ["family", "status"].forEach(function (name) {
        var note = document.getElementById(name + "-error");
        if (note) { note.hidden = true; note.textContent = ""; }
        Array.prototype.forEach.call(form.querySelectorAll('input[name="' + name + '"]'),
                                     function (input) { input.removeAttribute("aria-invalid"); });
      });
      var notice = document.getElementById("filter-errors");
      if (notice && !fromError && !toError) { notice.hidden = true; refused = false; }
    }
    return !fromError && !toError;
  }

  function nextDay(day) {
    var moment = new Date(day + "T00:00:00Z");
    moment.setUTCDate(moment.getUTCDate() + 1);
    return moment.toISOString().slice(0, 10);
  }

  function clamp(value, low, high) { return Math.min(high, Math.max(low, value)); }

  function bbox() {
    var b = map.getBounds();
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
            clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
      .map(function (v) { return v.toFixed(5); }).join(",");
  }

  /* Keep the address bar in step, so a reload or a shared link shows the same map. */
  function syncUrl(wanted) {
    var params = new URLSearchParams();
    wanted.families.forEach(function (f) { params.append("family", f); });
    if (wanted.status !== "all") { params.set("status", wanted.status); }
    if (wanted.from) { params.set("from", wanted.from); }
    if (wanted.to) { params.set("to", wanted.to); }
    if (wanted.layers.join() !== "reports") {
      if (!wanted.layers.length) { params.set("layer", ""); }
      wanted.layers.forEach(function (layer) { params.append("layer", layer); });
    }
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
  }

  /* ---- Reports: markers in clusters, and the list ---- */

  var clusters = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 50,
    iconCreateFunction: function (cluster) {
      var n = cluster.getChildCount();
      var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
      return L.divIcon({
        html: el("div", {}, [el("span", {"aria-hidden": "true", text: numbers.format(n)}),
                             el("span", {"class": "visually-hidden", text: s("cluster", {n: n})})]),
        className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40)});
    }
  });

  /* A marker's icon: built from DOM nodes each time Leaflet shows it (never HTML strings). */
  var ReportIcon = L.DivIcon.extend({
    createIcon: function (old) {
      var div = L.DivIcon.prototype.createIcon.call(this, old);
      var p = this.options.report;
      div.appendChild(el("span", {"aria-hidden": "true", text: familyIcon(p.family)}));
      if (isClosed(p.status)) { div.appendChild(el("span", {"class": "nb-badge", "aria-hidden": "true", text: "✓"})); }
      div.appendChild(el("span", {"class": "visually-hidden",
                                  text: p.category_name + ", " + statusWord(p.status)}));
      return div;
    }
  });

  function reportPopup(p) {
    return el("div", {"class": "nb-popup"}, [
      el("strong", {text: p.category_name}), " ",
      el("span", {"class": "status s-" + p.status, text: statusWord(p.status)}),
      el("p", {"class": "desc", text: truncate(p.description, 200)}),
      el("p", {"class": "muted"}, [
        el("time", {datetime: p.created_at, text: formatDate(p.created_at)}),
        " · " + (p.address || s("no_address"))]),
      el("a", {href: reportUrl(p.id), text: s("open_report", {id: String(p.id)})})
    ]);
  }

  function reportMarker(feature) {
    var p = feature.properties, c = feature.geometry.coordinates;
    var marker = L.marker([c[1], c[0]], {
      icon: new ReportIcon({report: p, html: false, iconSize: [30, 30],
                            className: "nb-marker " + (isClosed(p.status) ? "nb-closed" : "nb-open")}),
      keyboard: true, riseOnHover: true});
    marker.feature = feature;
    marker.bindPopup(function () { return reportPopup(p); });
    return marker;
  }

  /* Replace the markers with these reports, keeping those that did not change: a popup stays
   * open while its report is still in the area (opening one may pan the map, and reload).
   * The plugin removes markers one by one, so after a big move it is rebuilt instead. */
  var markers = {};
  function showMarkers(features) {
    var wanted = {}, gone = [], added = [], open = null;
    features.forEach(function (feature) { wanted[feature.id] = feature; });
    Object.keys(markers).forEach(function (id) {
      var marker = markers[id], feature = wanted[id];
      if (!feature || feature.properties.updated_at !== marker.feature.properties.updated_at) {
        gone.push(marker);
        delete markers[id];
      } else if (marker.isPopupOpen()) {
        open = marker;
      }
    });
    features.forEach(function (feature) {
      if (!markers[feature.id]) {
        markers[feature.id] = reportMarker(feature);
        added.push(markers[feature.id]);
      }
    });
    if (gone.length > REBUILD_AFTER) {
      clusters.clearLayers();
      clusters.addLayers(Object.keys(markers).map(function (id) { return markers[id]; }));
      if (open && clusters.getVisibleParent(open) === open) { open.openPopup(); }
    } else {
      if (gone.length) { clusters.removeLayers(gone); }
      if (added.length) { clusters.addLayers(added); }
    }
  }

  function listItem(feature) {
    var p = feature.properties;
    return el("li", {"data-id": String(p.id)}, [
      el("a", {href: reportUrl(p.id)}, [el("span", {"aria-hidden": "true", text: familyIcon(p.family)}),
                                        " " + p.category_name + " #" + p.id]),
      " ", el("span", {"class": "status s-" + p.status, text: statusWord(p.status)}),
      el("br"),
      el("span", {"class": "muted"}, [el("time", {datetime: p.created_at, text: formatDate(p.created_at)}),
                                      " · " + (p.address || s("no_address"))]),
      el("br"),
      el("span", {"class": "desc", text: truncate(p.description, 160)})
    ]);
  }

  function newestFirst(a, b) {
    var x = a.properties.created_at, y = b.properties.created_at;
    return x < y ? 1 : x > y ? -1 : b.properties.id - a.properties.id;
  }

  /* The list under the map: the same reports as the markers, LIST_STEP at a time. */
  function renderList(features, capped) {
    var sorted = features.slice().sort(newestFirst), shown = 0;
    listHeading.textContent = s("list_heading");
    listBox.textContent = "";
    if (!sorted.length) { listBox.appendChild(el("p", {text: s("none")})); return; }
    var summary = el("p", {"class": "muted", "aria-live": "polite"});
    var list = el("ol", {"class": "report-list"});
    var more = el("button", {type: "button", "class": "secondary list-more"});
    listBox.appendChild(summary);
    if (capped) { listBox.appendChild(el("p", {"class": "notice", text: s("capped", {n: features.length})})); }
    listBox.appendChild(list);
    listBox.appendChild(more);
    function showMore(moveFocus) {
      var first = null;
      sorted.slice(shown, shown + LIST_STEP).forEach(function (feature) {
        var item = listItem(feature);
        first = first || item;
        list.appendChild(item);
      });
      shown = Math.min(sorted.length, shown + LIST_STEP);
      summary.textContent = s("shown", {shown: shown, total: sorted.length});
      more.hidden = shown >= sorted.length;
      more.textContent = s("more", {n: Math.min(LIST_STEP, sorted.length - shown)});
      if (moveFocus && first) { first.querySelector("a").focus(); }
    }
    more.addEventListener("click", function () { showMore(true); });
    showMore(false);
  }

  var reportsRequest = null, reportsGeneration = 0;

  function reportParams(wanted, cursor) {
    var params = new URLSearchParams({bbox: bbox(), limit: String(PAGE_SIZE)});
    wanted.families.forEach(function (f) { params.append("family", f); });
    (config.statusGroups[wanted.status] || []).forEach(function (st) { params.append("status", st); });
    if (wanted.from) { params.set("created_from", wanted.from + "T00:00:00"); }
    if (wanted.to) { params.set("created_to", nextDay(wanted.to) + "T00:00:00"); }
    if (cursor) { params.set("cursor", cursor); }
    return params.toString();
  }

  function getJson(url, signal) {
    return fetch(url, {headers: {Accept: "application/json"}, signal: signal}).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.message || String(response.status));
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }

  /* Fetch the visible area's reports, following the cursor up to MAX_REPORTS. */
  function loadReports() {
    var wanted = filters();
    if (refused || !valid(wanted)) { return; }
    if (reportsRequest) { reportsRequest.abort(); }
    var request = reportsRequest = new AbortController(), generation = ++reportsGeneration;
    var features = [];
    setStatus(s("loading"));
    box.setAttribute("aria-busy", "true");
    listBox.setAttribute("aria-busy", "true");
    function page(cursor) {
      return getJson(config.api.reports + "?" + reportParams(wanted, cursor), request.signal).then(function (data) {
        features = features.concat(data.features || []);
        if (data.next_cursor && features.length < MAX_REPORTS) { return page(data.next_cursor); }
        return !!data.next_cursor;
      });
    }
    page(null).then(function (capped) {
      if (generation !== reportsGeneration) { return; }
      showMarkers(features);
      renderList(features, capped);
      setStatus(capped ? s("capped", {n: features.length})
                       : features.length ? s("count", {n: features.length}) : s("none"));
    }).catch(function (error) {
      if (error.name === "AbortError" || generation !== reportsGeneration) { return; }
      setStatus(s("failed"), "error");
    }).then(function () {
      if (generation !== reportsGeneration) { return; }
      box.removeAttribute("aria-busy");
      listBox.removeAttribute("aria-busy");
    });
  }

  /* ---- Hexagon layers: Gi* bins and emerging trends (one request per selection) ---- */

  /* Our own SVG renderer, so cold hexagons can use a striped fill (a pattern, not a colour). */
  var hexRenderer = L.svg({padding: 0.5});
  map.addLayer(hexRenderer);
  (function addPatterns() {
    var svg = hexRenderer._container, ns = "http://www.w3.org/2000/svg";  // Leaflet's SVG root
    if (!svg) { return; }
    var defs = document.createElementNS(ns, "defs");
    function pattern(id, color) {
      var node = document.createElementNS(ns, "pattern");
      node.setAttribute("id", id);
      node.setAttribute("patternUnits", "userSpaceOnUse");
      node.setAttribute("width", "7");
      node.setAttribute("height", "7");
      node.setAttribute("patternTransform", "rotate(45)");
      var back = document.createElementNS(ns, "rect");
      back.setAttribute("width", "7");
      back.setAttribute("height", "7");
      back.setAttribute("fill", "#fff");
      var stripe = document.createElementNS(ns, "rect");
      stripe.setAttribute("width", "4");
      stripe.setAttribute("height", "7");
      stripe.setAttribute("fill", color);
      node.appendChild(back);
      node.appendChild(stripe);
      defs.appendChild(node);
    }
    ["-1", "-2", "-3"].forEach(function (bin) { pattern("nb-cold" + bin, HOT_COLORS[bin]); });
    Object.keys(PATTERN_COLORS).forEach(function (code) { pattern("nb-trend-cold" + code, PATTERN_COLORS[code]); });
    svg.insertBefore(defs, svg.firstChild);
  }());

  var hotLayer = L.layerGroup(), trendLayer = L.layerGroup();
  map.createPane("nbTrendLabels").style.zIndex = 450;  // above hexagons, under markers
  var hexCache = {};

  function ring(feature) {
    return feature.geometry.coordinates[0].map(function (c) { return [c[1], c[0]]; });
  }

  /* The hotspot question for the filters: one family, or all of them. */
  function hexQuery(wanted, trend) {
    var family = wanted.families.length === 1 ? wanted.families[0] : null;
    var params = new URLSearchParams();
    if (family) { params.set("family", family); }
    // Problem businesses' public places are generalized; their cells stay neighbourhood-sized.
    if (family === "problem_business") { params.set("resolution", "8"); }
    if (trend) { params.set("trend", "true"); }
    return {url: config.api.hotspots + (params.toString() ? "?" + params : ""), family: family};
  }

  function loadHexagons(trend) {
    var query = hexQuery(filters(), trend);
    if (!hexCache[query.url]) {
      hexCache[query.url] = getJson(query.url).catch(function (error) {
        delete hexCache[query.url];
        throw error;
      });
    }
    return hexCache[query.url].then(function (data) { return {data: data, family: query.family}; });
  }

  function legendBody(code) { return document.querySelector("#legend-" + code + " .legend-body"); }

  function windowNote(data, family) {
    var start = formatDate(data.start), end = formatDate(new Date(parseIso(data.end) - 1));
    return [el("p", {"class": "muted", text: s("hot_window", {start: start, end: end, n: data.reports || 0})}),
            el("p", {"class": "muted", text: family ? s("hot_family", {family: config.families[family].label})
                                                       : s("hot_all")})];
  }

  function hexPopup(lines) {
    return el("div", {"class": "nb-popup"}, lines.map(function (line, i) {
      return i === 0 ? el("strong", {text: line}) : el("p", {text: line});
    }));
  }

  function cellReports(props) { return s("cell_reports", {n: props.count}); }

  var hexDraws = {hotspots: 0, trends: 0};  // only the latest request of a layer draws

  function drawHotspots() {
    var body = legendBody("hotspots"), draw = ++hexDraws.hotspots;
    body.textContent = s("hot_loading");
    loadHexagons(false).then(function (result) {
      if (draw !== hexDraws.hotspots || !map.hasLayer(hotLayer)) { return; }
      var counts = {"3": 0, "2": 0, "1": 0, "-1": 0, "-2": 0, "-3": 0};
      hotLayer.clearLayers();
      result.data.features.forEach(function (feature) {
        var props = feature.properties, bin = String(props.bin);
        if (!props.bin) { return; }
        counts[bin] += 1;
        var cold = props.bin < 0, strength = Math.abs(props.bin);
        L.polygon(ring(feature), {
          renderer: hexRenderer, className: "nb-hex nb-hex-bin" + bin,
          color: cold ? "#053061" : "#67001f", weight: strength, dashArray: cold ? "5 4" : null,
          fillColor: cold ? "url(#nb-cold" + bin + ")" : HOT_COLORS[bin], fillOpacity: cold ? 0.75 : 0.6
        }).bindPopup(function () {
          return hexPopup([s("bin_" + bin), cellReports(props),
                           s("z_score", {z: props.z === null ? "–" : props.z.toFixed(2)})]);
        }).addTo(hotLayer);
      });
      body.textContent = "";
      windowNote(result.data, result.family).forEach(function (node) { body.appendChild(node); });
      var list = el("ul", {"class": "legend-list"});
      ["3", "2", "1", "-1", "-2", "-3"].forEach(function (bin) {
        var cold = bin.charAt(0) === "-", strength = Math.abs(parseInt(bin, 10));
        list.appendChild(el("li", {}, [
          el("span", {"class": "swatch bin-" + bin + " w" + strength + (cold ? " cold" : ""), "aria-hidden": "true"}),
          el("span", {"class": "what", text: s("bin_" + bin) + ": " + s("cells", {n: counts[bin]})})]));
      });
      body.appendChild(list);
      var total = Object.keys(counts).reduce(function (sum, bin) { return sum + counts[bin]; }, 0);
      if (!total) { body.appendChild(el("p", {text: s("hot_none")})); }
      body.appendChild(el("p", {"class": "muted", text: s("hot_pattern_note") + " " + s("hot_zero")}));
    }).catch(function (error) {
      if (draw === hexDraws.hotspots) { body.textContent = s("hot_failed", {reason: error.message}); }
    });
  }

  function drawTrends() {
    var body = legendBody("trends"), draw = ++hexDraws.trends;
    body.textContent = s("trend_loading");
    loadHexagons(true).then(function (result) {
      if (draw !== hexDraws.trends || !map.hasLayer(trendLayer)) { return; }
      var counts = {};
      trendLayer.clearLayers();
      result.data.features.forEach(function (feature) {
        var props = feature.properties, code = props.pattern;
        if (!code) { return; }
        var cold = code < 0, kind = Math.abs(code), points = ring(feature);
        counts[code] = (counts[code] || 0) + 1;
        var hexagon = L.polygon(points, {
          renderer: hexRenderer, className: "nb-hex nb-trend nb-trend" + code,
          color: cold ? "#053061" : "#1b1f24", weight: 2, dashArray: cold ? "5 4" : null,
          fillColor: cold ? "url(#nb-trend-cold" + kind + ")" : PATTERN_COLORS[kind], fillOpacity: 0.55
        }).bindPopup(function () {
          return hexPopup([s("pattern_" + code), s("meaning_" + kind), cellReports(props)]);
        }).addTo(trendLayer);
        L.marker(hexagon.getBounds().getCenter(), {
          interactive: false, keyboard: false, pane: "nbTrendLabels",
          icon: L.divIcon({className: "nb-trend-label", iconSize: [20, 20],
                           html: el("span", {text: String(kind)})})
        }).addTo(trendLayer);
      });
      body.textContent = "";
      windowNote(result.data, result.family).forEach(function (node) { body.appendChild(node); });
      var codes = Object.keys(counts).map(Number).sort(function (a, b) {
        return (b > 0) - (a > 0) || Math.abs(a) - Math.abs(b);
      });
      if (!codes.length) { body.appendChild(el("p", {text: s("trend_none")})); }
      var list = el("ul", {"class": "legend-list"});
      codes.forEach(function (code) {
        var kind = Math.abs(code);
        list.appendChild(el("li", {}, [
          el("span", {"class": "swatch trend" + (code < 0 ? " cold" : ""), "aria-hidden": "true",
                      style: code < 0 ? "background: repeating-linear-gradient(45deg, " + PATTERN_COLORS[kind] + " 0 4px, #fff 4px 7px)"
                                      : "background: " + PATTERN_COLORS[kind]},
             [el("span", {text: String(kind)})]),
          el("span", {"class": "what"}, [el("strong", {text: kind + " · " + s("pattern_" + code)}),
                                         ": " + s("cells", {n: counts[code]}), el("br"),
                                         el("span", {"class": "muted", text: s("meaning_" + kind)})])]));
      });
      body.appendChild(list);
      body.appendChild(el("p", {"class": "muted", text: s("trend_note") + " " + s("hot_zero")}));
    }).catch(function (error) {
      if (draw === hexDraws.trends) { body.textContent = s("hot_failed", {reason: error.message}); }
    });
  }

  /* ---- Incident groups: open reports of one category at the same spot, per category ---- */

  var incidentLayer = L.layerGroup(), incidentRequest = null, incidentGeneration = 0;

  function incidentPopup(group) {
    var ids = group.properties.report_ids;
    return el("div", {"class": "nb-popup"}, [
      el("strong", {text: s("incident", {n: group.properties.size})}),
      el("p", {text: group.category.name}),
      el("ul", {}, ids.slice(0, MAX_INCIDENT_LINKS).map(function (id) {
        return el("li", {}, [el("a", {href: reportUrl(id), text: s("open_report", {id: String(id)})})]);
      }))
    ]);
  }

  function drawIncidents() {
    var wanted = filters(), body = legendBody("incidents");
    var categories = config.categories.filter(function (c) {
      return !c.sensitive && (!wanted.families.length || wanted.families.indexOf(c.family) >= 0);
    });
    if (incidentRequest) { incidentRequest.abort(); }
    var request = incidentRequest = new AbortController(), generation = ++incidentGeneration;
    var area = bbox();
    body.textContent = s("incidents_loading");
    Promise.all(categories.map(function (category) {
      var url = config.api.incidents + "?" + new URLSearchParams({category: category.code, bbox: area});
      return getJson(url, request.signal).then(function (data) {
        return (data.features || []).map(function (group) { group.category = category; return group; });
      });
    })).then(function (perCategory) {
      if (generation !== incidentGeneration || !map.hasLayer(incidentLayer)) { return; }
      var groups = [].concat.apply([], perCategory).sort(function (a, b) { return b.properties.size - a.properties.size; });
      incidentLayer.clearLayers();
      groups.forEach(function (group) {
        var c = group.geometry.coordinates, size = group.properties.size;
        L.marker([c[1], c[0]], {
          keyboard: true,
          icon: L.divIcon({className: "nb-incident", iconSize: [24, 24],
                           html: el("span", {}, [el("span", {"aria-hidden": "true", text: String(size)}),
                                                 el("span", {"class": "visually-hidden",
                                                             text: s("incident", {n: size}) + ", " + group.category.name})])})
        }).bindPopup(function () { return incidentPopup(group); }).addTo(incidentLayer);
      });
      body.textContent = "";
      body.appendChild(el("p", {"class": "muted", text: s("incidents_note")}));
      body.appendChild(el("p", {text: groups.length ? s("incidents_count", {n: groups.length}) : s("incidents_none")}));
      if (groups.length) {
        body.appendChild(el("ol", {"class": "incident-list"}, groups.slice(0, MAX_INCIDENT_LINKS).map(function (group) {
          var first = group.properties.report_ids[0];
          return el("li", {}, [el("span", {"class": "swatch incident", "aria-hidden": "true", text: String(group.properties.size)}), " ",
                               el("a", {href: reportUrl(first), text: group.category.name}),
                               ": " + s("incident", {n: group.properties.size})]);
        })));
      }
    }).catch(function (error) {
      if (error.name === "AbortError" || generation !== incidentGeneration) { return; }
      body.textContent = s("incidents_failed");
    });
  }

  /* ---- Layer switches, filters and panning ---- */

  var layers = {
    reports: {layer: clusters, load: null},
    hotspots: {layer: hotLayer, load: drawHotspots},
    trends: {layer: trendLayer, load: drawTrends},
    incidents: {layer: incidentLayer, load: drawIncidents}
  };

  function applyLayer(name, on) {
    var entry = layers[name], legend = document.getElementById("legend-" + name);
    if (on && !map.hasLayer(entry.layer)) {
      map.addLayer(entry.layer);
      if (entry.load) { entry.load(); }
    } else if (!on && map.hasLayer(entry.layer)) {
      map.removeLayer(entry.layer);
    }
    if (legend) { legend.hidden = !on; }
  }

  Array.prototype.forEach.call(document.querySelectorAll('input[name="layer"]'), function (input) {
    applyLayer(input.value, input.checked);
    input.addEventListener("change", function () {
      applyLayer(input.value, input.checked);
      syncUrl(filters());
    });
  });

  var filterTimer = null;
  function filtersChanged() {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(function () {
      var wanted = filters();
      if (!valid(wanted, true)) { return; }
      syncUrl(wanted);
      loadReports();
      if (map.hasLayer(hotLayer)) { drawHotspots(); }
      if (map.hasLayer(trendLayer)) { drawTrends(); }
      if (map.hasLayer(incidentLayer)) { drawIncidents(); }
    }, DEBOUNCE_MS);
  }
  form.addEventListener("change", filtersChanged);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!valid(filters(), true)) {
      var wrong = form.querySelector('[aria-invalid="true"]');
      if (wrong) { wrong.focus(); }
      return;
    }
    filtersChanged();
  });

  var moveTimer = null;
  map.on("moveend", function () {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(function () {
      loadReports();
      if (map.hasLayer(incidentLayer)) { drawIncidents(); }
    }, DEBOUNCE_MS);
  });

  loadReports();
}());
