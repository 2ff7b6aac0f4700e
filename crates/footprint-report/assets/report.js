// The interactive map of the footprint report: no library, no network. Data: the JSON in #data.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('data').textContent);
  var svg = document.getElementById('map');
  var NS = svg.namespaceURI;
  var gAreas = document.getElementById('areas');
  var gFp = document.getElementById('fp');
  var gTeams = document.getElementById('teams');
  var gHl = document.getElementById('hl');
  var panel = document.getElementById('panel');
  var legend = document.getElementById('legend');
  var measureSelect = document.getElementById('measure');
  var measure = D.initial;
  var paths = [];
  var selectedPcn = -1;

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function h(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function fmt(n) { return n.toLocaleString('en-GB'); }
  function pct(patients, population) {
    return population > 0 ? (100 * patients / population).toFixed(1) + '%' : '';
  }

  // The areas.
  var frag = document.createDocumentFragment();
  D.areas.forEach(function (a, i) {
    var p = el('path', { d: a.g }, frag);
    p.setAttribute('data-i', i);
    paths.push(p);
  });
  gAreas.appendChild(frag);

  function classOf(m, v) {
    var lower = D.measures[m].lower, c = 0;
    while (c + 1 < lower.length && lower[c + 1] <= v) c++;
    return c;
  }
  function colour() {
    var m = D.measures[measure];
    D.areas.forEach(function (a, i) {
      paths[i].setAttribute('fill', a.p > 0 ? m.colours[classOf(measure, a.k[measure])] : D.no_data);
    });
    legend.textContent = '';
    legend.appendChild(h('b', 'PCNs per MSOA, ' + m.label));
    m.labels.forEach(function (label, c) {
      var row = h('div');
      var sw = h('i');
      sw.style.background = m.colours[c];
      row.appendChild(sw);
      row.appendChild(document.createTextNode(label));
      legend.appendChild(row);
    });
    if (D.areas.some(function (a) { return a.p === 0; })) {
      var row = h('div'), sw = h('i');
      sw.style.background = D.no_data;
      row.appendChild(sw);
      row.appendChild(document.createTextNode('no registered residents'));
      legend.appendChild(row);
    }
  }
  measureSelect.addEventListener('change', function () {
    measure = +measureSelect.value;
    colour();
    if (selectedPcn >= 0) selectPcn(selectedPcn, false);
  });
  colour();

  // Zoom and pan by the viewBox.
  var full = { x: 0, y: 0, w: D.view[0], h: D.view[1] };
  var vb = { x: full.x, y: full.y, w: full.w, h: full.h };
  // Outlines. An MSOA smaller on screen than EDGE_PX pixels (the smaller side of its box) has none and is
  // filled without anti-aliasing (`shape-rendering: crispEdges`): each pixel whose centre it holds takes
  // its class colour, whole, and neighbours sharing a boundary tile the pixels with no seam. Once it is
  // EDGE_PX pixels across it gets the thin white outline and anti-aliased edges (class `edged`). So the
  // fill colour is what shows at every zoom: at the national zoom London's MSOAs are a pixel or two
  // across, and a white outline, however thin, is drawn as a faint line about a pixel wide over them.
  // `sides`: the smaller side of each MSOA's box, in SVG units, measured once.
  var EDGE_PX = 24;
  var sides = paths.map(function (p) { var b = p.getBBox(); return Math.min(b.width, b.height); });
  var edged = paths.map(function () { return false; });
  function updateEdges() {
    var r = svg.getBoundingClientRect();
    var scale = Math.min(r.width / vb.w, r.height / vb.h);
    if (!(scale > 0)) return;
    var least = EDGE_PX / scale;
    for (var i = 0; i < paths.length; i++) {
      var on = sides[i] >= least;
      if (on !== edged[i]) { edged[i] = on; paths[i].classList.toggle('edged', on); }
    }
  }
  window.addEventListener('resize', updateEdges);
  function setView() {
    svg.setAttribute('viewBox', vb.x + ' ' + vb.y + ' ' + vb.w + ' ' + vb.h);
    var size = vb.w / 70;
    Array.prototype.forEach.call(gTeams.querySelectorAll('text'), function (t) { t.setAttribute('font-size', size); });
    updateEdges();
  }
  function svgPoint(evt) {
    var r = svg.getBoundingClientRect();
    var s = Math.max(vb.w / r.width, vb.h / r.height);
    var ox = (r.width * s - vb.w) / 2, oy = (r.height * s - vb.h) / 2;
    return { x: vb.x - ox + (evt.clientX - r.left) * s, y: vb.y - oy + (evt.clientY - r.top) * s, s: s };
  }
  function zoomAt(cx, cy, factor) {
    var w = Math.min(full.w * 4, Math.max(full.w / 400, vb.w * factor));
    var f = w / vb.w;
    vb = { x: cx - (cx - vb.x) * f, y: cy - (cy - vb.y) * f, w: vb.w * f, h: vb.h * f };
    setView();
  }
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    var p = svgPoint(e);
    zoomAt(p.x, p.y, e.deltaY < 0 ? 1 / 1.25 : 1.25);
  }, { passive: false });
  var drag = null;
  svg.addEventListener('pointerdown', function (e) {
    drag = { x: e.clientX, y: e.clientY, vb: { x: vb.x, y: vb.y, w: vb.w, h: vb.h }, s: svgPoint(e).s, moved: false };
  });
  window.addEventListener('pointermove', function (e) {
    if (!drag) return;
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
    drag.moved = true;
    svg.classList.add('dragging');
    vb.x = drag.vb.x - dx * drag.s;
    vb.y = drag.vb.y - dy * drag.s;
    setView();
  });
  window.addEventListener('pointerup', function () { drag = null; svg.classList.remove('dragging'); });
  function zoomButton(id, factor) {
    document.getElementById(id).addEventListener('click', function () {
      if (factor) zoomAt(vb.x + vb.w / 2, vb.y + vb.h / 2, factor);
      else { vb = { x: full.x, y: full.y, w: full.w, h: full.h }; setView(); }
    });
  }
  zoomButton('zoom-in', 1 / 1.6);
  zoomButton('zoom-out', 1.6);
  zoomButton('zoom-reset', 0);
  function zoomTo(box) {
    var pad = Math.max(box.width, box.height) * 0.25 + full.w / 200;
    vb = { x: box.x - pad, y: box.y - pad, w: box.width + 2 * pad, h: box.height + 2 * pad };
    setView();
  }
  function union(boxes) {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    boxes.forEach(function (b) {
      x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y);
      x1 = Math.max(x1, b.x + b.width); y1 = Math.max(y1, b.y + b.height);
    });
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }

  // The shares panel.
  function showArea(i) {
    var a = D.areas[i];
    panel.textContent = '';
    panel.appendChild(h('h3', a.n));
    var facts = a.c + ' · ' + fmt(a.p) + ' registered residents';
    if (a.d !== null) facts += ' · ' + fmt(Math.round(a.d)) + ' per km²';
    panel.appendChild(h('p', facts));
    panel.appendChild(h('p', D.measures.map(function (m, k) { return m.label + ': ' + a.k[k] + ' PCNs'; }).join(' · ')));
    var t = h('table'), head = h('tr');
    ['PCN', 'patients', 'share'].forEach(function (s) { head.appendChild(h('th', s)); });
    t.appendChild(head);
    var n = a.s.length / 2, shown = Math.min(n, 25);
    for (var j = 0; j < shown; j++) {
      var pcn = D.pcns[a.s[2 * j]], patients = a.s[2 * j + 1];
      var tr = h('tr');
      var name = h('td', pcn[1] + ' (' + pcn[0] + ')');
      tr.appendChild(name);
      tr.appendChild(h('td', fmt(patients), 'n'));
      tr.appendChild(h('td', pct(patients, a.p), 'n'));
      t.appendChild(tr);
    }
    panel.appendChild(t);
    if (n > shown) panel.appendChild(h('p', '… and ' + (n - shown) + ' more PCNs with fewer patients', 'hint'));
  }
  var hovered = null;
  function highlight(i) {
    if (hovered) hovered.remove();
    hovered = el('path', { d: D.areas[i].g }, gHl);
  }
  gAreas.addEventListener('mouseover', function (e) {
    var i = e.target.getAttribute('data-i');
    if (i === null || drag && drag.moved) return;
    highlight(+i);
    showArea(+i);
  });

  // PCN footprints and teams.
  var fpMethod = document.getElementById('fp-method');
  var fpAll = document.getElementById('fp-all');
  function drawOutlines(group, layer, keep) {
    group.textContent = '';
    if (!layer) return [];
    var drawn = [];
    layer.items.forEach(function (it) {
      if (keep(it)) drawn.push([it, el('path', { d: it[2] }, group)]);
    });
    return drawn;
  }
  // The chosen method's footprints: every PCN's when "all" is ticked, else the selected PCN's, which is
  // drawn bold and returned.
  function drawFootprints() {
    if (!D.footprints) return [];
    var method = fpMethod ? +fpMethod.value : 0;
    var code = selectedPcn >= 0 ? D.pcns[selectedPcn][0] : null;
    var all = fpAll && fpAll.checked;
    var selected = [];
    drawOutlines(gFp, D.footprints, function (it) { return it[1] === method && (all || it[0] === code); })
      .forEach(function (d) { if (d[0][0] === code) { d[1].classList.add('sel'); selected.push(d[1]); } });
    return selected;
  }
  if (fpMethod) fpMethod.addEventListener('change', drawFootprints);
  if (fpAll) fpAll.addEventListener('change', drawFootprints);
  var teamsOn = document.getElementById('teams-on');
  function drawTeams() {
    gTeams.textContent = '';
    if (!D.teams || !teamsOn.checked) return;
    drawOutlines(gTeams, D.teams, function () { return true; });
    D.teams.items.forEach(function (it) {
      var t = el('text', { x: it[3][0], y: it[3][1], 'text-anchor': 'middle' }, gTeams);
      t.textContent = it[0];
    });
    setView();
  }
  if (teamsOn) { teamsOn.addEventListener('change', drawTeams); drawTeams(); }

  // Search by MSOA or PCN code or name.
  var search = document.getElementById('search');
  var results = document.getElementById('results');
  function selectArea(i) {
    highlight(i);
    showArea(i);
    zoomTo(paths[i].getBBox());
  }
  // share ≥ t exactly, as the run decides it: t = n / 10^k percent, compared in integers.
  function meets(patients, population, column) {
    var t = column.slice('pcns_ge_'.length, -'pct'.length);
    var decimals = (t.split('.')[1] || '').length;
    return patients > 0 && patients * 100 * Math.pow(10, decimals) >= Number(t.replace('.', '')) * population;
  }
  function selectPcn(k, zoom) {
    selectedPcn = k;
    gHl.textContent = '';
    hovered = null;
    var m = D.measures[measure], boxes = [], areas = 0, patients = 0;
    var threshold = m.column.indexOf('pcns_ge_') === 0;
    D.areas.forEach(function (a, i) {
      for (var j = 0; j < a.s.length; j += 2) {
        if (a.s[j] === k) {
          patients += a.s[j + 1];
          if (threshold ? meets(a.s[j + 1], a.p, m.column) : a.s[j + 1] > 0) {
            el('path', { d: a.g, 'class': 'pcn' }, gHl);
            boxes.push(paths[i].getBBox());
            areas++;
          }
          break;
        }
      }
    });
    var fp = drawFootprints();
    fp.forEach(function (p) { p.classList.add('sel'); boxes.push(p.getBBox()); });
    panel.textContent = '';
    panel.appendChild(h('h3', D.pcns[k][1]));
    panel.appendChild(h('p', D.pcns[k][0] + ' · ' + fmt(patients) + ' patients resident in the layer'));
    panel.appendChild(h('p', areas + ' MSOAs outlined where its share is ' + (threshold ? 'at least ' + m.label.replace('share ≥ ', '') : 'above 0') +
      (fp.length ? '; its footprint drawn in blue' : '') + '.', 'hint'));
    if (zoom !== false && boxes.length) zoomTo(union(boxes));
  }
  function matches(q) {
    q = q.trim().toLowerCase();
    if (q.length < 2) return [];
    var out = [];
    for (var i = 0; i < D.areas.length && out.length < 12; i++) {
      var a = D.areas[i];
      if (a.c.toLowerCase().indexOf(q) === 0 || a.n.toLowerCase().indexOf(q) >= 0) out.push({ area: i, text: a.n + ' (' + a.c + ')' });
    }
    for (var k = 0; k < D.pcns.length && out.length < 24; k++) {
      var p = D.pcns[k];
      if (p[0].toLowerCase().indexOf(q) === 0 || p[1].toLowerCase().indexOf(q) >= 0) out.push({ pcn: k, text: 'PCN: ' + p[1] + ' (' + p[0] + ')' });
    }
    return out;
  }
  function choose(r) {
    results.classList.remove('open');
    search.value = r.text;
    if (r.area !== undefined) { selectedPcn = -1; gHl.textContent = ''; hovered = null; drawFootprints(); selectArea(r.area); }
    else selectPcn(r.pcn);
  }
  var current = [];
  search.addEventListener('input', function () {
    current = matches(search.value);
    results.textContent = '';
    current.forEach(function (r) {
      var d = h('div', r.text);
      d.addEventListener('mousedown', function (e) { e.preventDefault(); choose(r); });
      results.appendChild(d);
    });
    results.classList.toggle('open', current.length > 0);
  });
  search.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && current.length) choose(current[0]);
    if (e.key === 'Escape') results.classList.remove('open');
  });
  search.addEventListener('blur', function () { results.classList.remove('open'); });
  setView();

  var readyMs = performance.now();
  window.footprintReport = { select: function (q) { var r = matches(q); if (r.length) choose(r[0]); return r.length; } };

  // The self-check: footprint's tests open report.html#selftest=[<MSOA code>][,<search>[,controls]][&sample=<MSOA
  // code>+…] in headless Chromium. Without an MSOA code nothing is hovered.
  if (location.hash.indexOf('#selftest') === 0) {
    var hash = decodeURIComponent(location.hash.slice('#selftest'.length + 1)).split('&');
    var args = hash[0].split(',');
    var options = {};
    hash.slice(1).forEach(function (kv) { var at = kv.indexOf('='); options[kv.slice(0, at)] = kv.slice(at + 1); });
    // Taken first, before the hover, the search or the controls change what is drawn.
    var sampled = options.sample !== undefined ? sampleStart(options.sample) : null;
    var want = args[0] || null;
    var drawn = 0;
    paths.forEach(function (p) { var b = p.getBBox(); if (p.getAttribute('d') && (b.width > 0 || b.height > 0)) drawn++; });
    var i = D.areas.findIndex(function (a) { return a.c === want; });
    var target = i >= 0 ? paths[i] : null;
    if (target) target.dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
    var result = {
      areas: D.areas.length,
      paths: gAreas.querySelectorAll('path').length,
      drawn: drawn,
      hovered: want,
      panel: panel.textContent,
      ready_ms: Math.round(readyMs),
      legend: legend.textContent
    };
    if (args[1]) {
      result.search_results = window.footprintReport.select(args[1]);
      result.search_panel = panel.textContent;
      result.highlighted = gHl.querySelectorAll('path').length;
      result.footprints_drawn = gFp.querySelectorAll('path').length;
    }
    result.teams_drawn = gTeams.querySelectorAll('path').length;
    // The context section's charts: each one's marks with a size on the page.
    result.context_charts = {};
    document.querySelectorAll('svg.context-chart').forEach(function (svg) {
      var marks = 0;
      svg.querySelectorAll('rect').forEach(function (r) { var b = r.getBBox(); if (b.width > 0 && b.height > 0) marks++; });
      result.context_charts[svg.getAttribute('data-chart')] = marks;
    });
    // With a third argument `controls`: zoom in by the button, show every PCN, draw every footprint of
    // the first method.
    if (args[2] === 'controls') {
      var before = vb.w;
      document.getElementById('zoom-in').click();
      result.zoom_in_factor = vb.w / before;
      measureSelect.value = '0';
      measureSelect.dispatchEvent(new Event('change'));
      result.fill_every_pcn = target ? target.getAttribute('fill') : null;
      result.legend_every_pcn = legend.textContent;
      if (fpAll) {
        fpMethod.value = '0';
        fpAll.checked = true;
        fpAll.dispatchEvent(new Event('change'));
        result.all_footprints_drawn = gFp.querySelectorAll('path').length;
      }
    }
    var finish = function () {
      result.errors = window.__errors.slice();
      var out = document.getElementById('selftest');
      out.textContent = JSON.stringify(result);
      out.hidden = false;
      document.title = result.errors.length ? 'selftest: errors' : 'selftest: ran';
    };
    if (sampled) sampled(function (s) { result.sample = s; finish(); });
    else finish();
  }

  // The colours a user sees in MSOAs, for the self-check: `codes` joined by `+`. The map as drawn at this
  // moment (a copy of the SVG with the page's style, the same view box, the map's size on screen in
  // device pixels) becomes an image, which a canvas rasterises over the map's white background as the
  // page is painted; the canvas's pixel at an interior point of each MSOA is read. The point: of the
  // pixel centres the MSOA holds, the nearest to the centre of its box (`inside` false when it holds
  // none: it is smaller than a pixel there). Returns a function taking the callback that gets the results.
  function sampleStart(codes) {
    var r = svg.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    var width = Math.round(r.width * dpr), height = Math.round(r.height * dpr);
    // The image's own mapping, as preserveAspectRatio="xMidYMid meet" places the view box.
    var k = Math.min(width / vb.w, height / vb.h), ox = (width - vb.w * k) / 2, oy = (height - vb.h * k) / 2;
    var at = svg.createSVGPoint();
    var samples = codes.split('+').map(function (code) {
      var i = D.areas.findIndex(function (a) { return a.c === code; });
      if (i < 0) return { code: code, error: 'no such MSOA' };
      var path = paths[i], box = path.getBBox();
      var x0 = ox + (box.x - vb.x) * k, y0 = oy + (box.y - vb.y) * k;
      var x1 = x0 + box.width * k, y1 = y0 + box.height * k, cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      var best = null;
      for (var px = Math.floor(x0); px <= Math.ceil(x1); px++) {
        for (var py = Math.floor(y0); py <= Math.ceil(y1); py++) {
          var d = (px + 0.5 - cx) * (px + 0.5 - cx) + (py + 0.5 - cy) * (py + 0.5 - cy);
          if (best && d >= best.d) continue;
          at.x = vb.x + (px + 0.5 - ox) / k;
          at.y = vb.y + (py + 0.5 - oy) / k;
          if (path.isPointInFill(at)) best = { px: px, py: py, d: d };
        }
      }
      return {
        code: code,
        fill: path.getAttribute('fill'),
        edged: path.classList.contains('edged'),
        box_px: [x1 - x0, y1 - y0],
        inside: !!best,
        pixel: best ? [best.px, best.py] : null
      };
    });
    var copy = svg.cloneNode(true);
    copy.removeAttribute('id');
    copy.setAttribute('xmlns', NS);
    copy.setAttribute('width', width);
    copy.setAttribute('height', height);
    var style = document.createElementNS(NS, 'style');
    style.textContent = document.querySelector('head style').textContent;
    copy.insertBefore(style, copy.firstChild);
    var text = new XMLSerializer().serializeToString(copy);
    return function (done) {
      var img = new Image();
      img.onload = function () {
        var canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        var g = canvas.getContext('2d');
        g.fillStyle = '#fff';
        g.fillRect(0, 0, canvas.width, canvas.height);
        g.drawImage(img, 0, 0, width, height);
        samples.forEach(function (s) {
          if (!s.pixel) return;
          var v = g.getImageData(s.pixel[0], s.pixel[1], 1, 1).data;
          s.rgba = [v[0], v[1], v[2], v[3]];
          s.colour = '#' + [v[0], v[1], v[2]].map(function (c) { return (c < 16 ? '0' : '') + c.toString(16); }).join('');
        });
        done({ map_px: [canvas.width, canvas.height], areas: samples });
      };
      img.onerror = function () { done({ error: 'the map did not load as an image', areas: samples }); };
      img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(text);
    };
  }
})();
