// Tailor console: plain JavaScript over the server's public APIs (the same JSON and text a script reads).
// No build step, no library, no network but this server.
'use strict';

const REFRESH_MS = 1500;
const $ = (id) => document.getElementById(id);
const state = { token: '', models: [], previous: null, lastWindow: null, rates: [] };

// ---------- status banner ----------
function setStatus(kind, text, banner) {
  const badge = $('status');
  badge.className = 'badge ' + kind;
  badge.textContent = text;
  const b = $('banner');
  b.hidden = !banner;
  b.className = 'banner' + (kind === 'down' ? ' down' : '');
  b.textContent = banner || '';
}

async function refreshHealth() {
  let ready;
  try {
    ready = (await fetch('/v2/health/ready', { cache: 'no-store' })).status === 200;
  } catch (e) {
    setStatus('down', 'unreachable', 'Cannot reach the server: it may be stopped or restarting. Retrying every '
      + (REFRESH_MS / 1000) + ' s.');
    return false;
  }
  if (ready) {
    setStatus('ready', 'ready', '');
  } else {
    const waiting = state.models.filter((m) => m.state !== 'ready')
      .map((m) => m.name + (m.version ? ' v' + m.version : '') + ': ' + m.state + (m.reason ? ' (' + m.reason + ')' : ''));
    setStatus('unready', 'not ready', 'The server is not ready yet: requests may be refused with 503. '
      + (waiting.length ? 'Waiting for ' + waiting.join('; ') + '.' : 'No model serves.'));
  }
  return true;
}

// ---------- models ----------
function cell(row, text, cls, title) {
  const td = row.insertCell();
  let shown = td;
  if (cls) {
    shown = document.createElement('span');
    shown.className = cls;
    td.appendChild(shown);
  }
  shown.textContent = text;
  if (title) shown.title = title;
  return td;
}

async function refreshModels() {
  try {
    const response = await fetch('/v1/models', { cache: 'no-store' });
    state.models = (await response.json()).models || [];
  } catch (e) {
    return; // the health check reports an unreachable server
  }
  // rebuild only on change, so a button is not replaced under the pointer every refresh
  const signature = JSON.stringify(state.models);
  if (signature !== state.signature) {
    state.signature = signature;
    renderModels();
  }
  const select = $('try-model');
  const ready = [...new Set(state.models.filter((m) => m.ready).map((m) => m.name))];
  const current = select.value;
  if (JSON.stringify(ready) !== JSON.stringify([...select.options].map((o) => o.value))) {
    select.replaceChildren(...ready.map((name) => new Option(name, name)));
    if (ready.includes(current)) select.value = current;
  }
  $('drop').classList.toggle('disabled', ready.length === 0);
  if (ready.length === 0) note('No model is ready to try: see the models table.', true);
  else if ($('try-note').dataset.kind === 'unready') note('');
}

function renderModels() {
  const body = $('models').tBodies[0];
  body.replaceChildren();
  for (const m of state.models) {
    const row = body.insertRow();
    row.dataset.model = m.name;
    cell(row, m.name + (m.default ? ' (default)' : ''));
    cell(row, m.version || '–');
    cell(row, m.state, 'state-' + m.state, m.reason || '');
    cell(row, m.provider || '–');
    cell(row, m.sha256 ? m.sha256.slice(0, 12) + '…' : '–', 'mono', m.sha256 || '');
    cell(row, m.last_error ? m.last_error.reason : '', null, m.last_error ? 'at ' + m.last_error.at : '');
    const b = m.batching;
    cell(row, b ? `≤${b.max_batch_size} images, ${b.max_queue_delay_us} µs, queue ${b.queue_capacity}, `
      + `${b.max_concurrent_batches} worker${b.max_concurrent_batches > 1 ? 's' : ''}` : '–');
    const admin = row.insertCell();
    for (const action of ['load', 'unload']) {
      const button = document.createElement('button');
      button.textContent = action;
      button.className = action;
      button.dataset.model = m.name;
      button.onclick = () => repositoryCall(m.name, action);
      admin.appendChild(button);
    }
  }
  updateAdminButtons();
}

/** Enables or disables the load/unload buttons in place: typing the token must not rebuild the rows under the pointer. */
function updateAdminButtons() {
  for (const button of $('models').querySelectorAll('button.load, button.unload')) {
    button.disabled = !state.token;
    button.title = state.token ? `${button.className} ${button.dataset.model} through the repository API`
      : 'enter the admin token first';
  }
}

async function repositoryCall(name, action) {
  const result = $('admin-result');
  result.className = 'note';
  result.textContent = action + ' ' + name + '…';
  try {
    const response = await fetch(`/v2/repository/models/${encodeURIComponent(name)}/${action}`, {
      method: 'POST', headers: { Authorization: 'Bearer ' + state.token } });
    if (response.ok) {
      result.textContent = `${action} ${name}: done`;
    } else {
      const error = await response.json().catch(() => ({ error: response.statusText }));
      result.className = 'note error';
      result.textContent = `${action} ${name}: ${response.status} ${error.error}`;
    }
  } catch (e) {
    result.className = 'note error';
    result.textContent = `${action} ${name}: the server cannot be reached`;
  }
  refreshModels();
}

// ---------- metrics ----------
/** Prometheus text → [{name, labels, value}]. */
function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const l of (m[3] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return samples;
}

const sum = (samples, name, filter) => samples.filter((s) => s.name === name && (!filter || filter(s.labels)))
  .reduce((a, s) => a + s.value, 0);

/** Cumulative bucket counts by upper bound, summed over every series of a histogram. */
function buckets(samples, name) {
  const byLe = new Map();
  for (const s of samples) {
    if (s.name !== name + '_bucket') continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) || 0) + s.value);
  }
  return [...byLe.entries()].sort((a, b) => a[0] - b[0]);
}

function snapshot(samples) {
  return {
    at: performance.now(),
    requests: sum(samples, 'tailor_requests_total'),
    latency: buckets(samples, 'tailor_request_seconds'),
    queueSum: sum(samples, 'tailor_queue_seconds_sum'), queueCount: sum(samples, 'tailor_queue_seconds_count'),
    computeSum: sum(samples, 'tailor_compute_seconds_sum'), computeCount: sum(samples, 'tailor_compute_seconds_count'),
    depth: sum(samples, 'tailor_queue_depth'),
    batches: buckets(samples, 'tailor_batch_size'),
  };
}

/** The latency below which a fraction q of the window's requests fall, interpolated inside its bucket. */
function quantile(window, q) {
  const total = window.length ? window[window.length - 1][1] : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of window) {
    if (count >= rank) {
      if (le === Infinity) return lower;
      return lower + (le - lower) * ((rank - below) / Math.max(1e-9, count - below));
    }
    lower = le;
    below = count;
  }
  return lower;
}

const seconds = (s) => s == null ? '–' : s < 1e-3 ? (s * 1e6).toFixed(0) + ' µs' : s < 1 ? (s * 1e3).toFixed(1) + ' ms'
  : s.toFixed(2) + ' s';

function diff(now, before) {
  const b = new Map(before);
  return now.map(([le, c]) => [le, c - (b.get(le) || 0)]);
}

async function refreshMetrics() {
  let samples;
  try {
    const response = await fetch('/observe/metrics', { headers: { Accept: 'text/plain' }, cache: 'no-store' });
    if (!response.ok) throw new Error(response.status);
    samples = parsePrometheus(await response.text());
  } catch (e) {
    $('metrics-age').textContent = '(metrics unavailable)';
    return;
  }
  const now = snapshot(samples);
  const before = state.previous;
  state.previous = now;
  $('metrics-age').textContent = '(updated ' + new Date().toLocaleTimeString() + ')';
  $('m-queue').textContent = String(now.depth);
  if (!before) return;
  const dt = (now.at - before.at) / 1000;
  const rate = Math.max(0, now.requests - before.requests) / dt;
  state.rates.push(rate);
  if (state.rates.length > 60) state.rates.shift();
  $('m-rps').textContent = rate.toFixed(rate < 10 ? 1 : 0);
  sparkline($('m-rps-spark'), state.rates);
  const window = diff(now.latency, before.latency);
  if (window.length && window[window.length - 1][1] > 0) {
    state.lastWindow = window;
  }
  const shown = state.lastWindow || now.latency;
  $('m-p50').textContent = seconds(quantile(shown, 0.5));
  $('m-p99').textContent = seconds(quantile(shown, 0.99));
  const dq = now.queueCount - before.queueCount;
  const dc = now.computeCount - before.computeCount;
  const queue = dq > 0 ? (now.queueSum - before.queueSum) / dq : now.queueCount ? now.queueSum / now.queueCount : 0;
  const compute = dc > 0 ? (now.computeSum - before.computeSum) / dc : now.computeCount ? now.computeSum / now.computeCount : 0;
  split($('m-split'), queue, compute);
  histogram($('m-batches'), now.batches);
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attributes, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}

function sparkline(target, values) {
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => `${(i / 59) * 120},${30 - (v / max) * 28}`).join(' ');
  target.replaceChildren(svg('polyline', { points, fill: 'none', stroke: '#2a6df4', 'stroke-width': 1.5 }));
}

function split(target, queue, compute) {
  const total = queue + compute;
  const q = total > 0 ? (queue / total) * 300 : 0;
  target.replaceChildren(
    svg('rect', { x: 0, y: 0, width: q, height: 16, fill: '#f4a261' }),
    svg('rect', { x: q, y: 0, width: total > 0 ? 300 - q : 0, height: 16, fill: '#2a9d8f' }),
    svg('text', { x: 0, y: 32, 'font-size': 11 }, 'queue ' + seconds(queue)),
    svg('text', { x: 300, y: 32, 'font-size': 11, 'text-anchor': 'end' }, 'compute ' + seconds(compute)));
}

function histogram(target, cumulative) {
  const bars = [];
  let previous = 0;
  for (const [le, count] of cumulative) {
    bars.push([le === Infinity ? '>' + bars.length : String(le), count - previous]);
    previous = count;
  }
  const shown = bars.filter(([label]) => !label.startsWith('>') || bars[bars.length - 1][1] > 0);
  const max = Math.max(1, ...shown.map((b) => b[1]));
  const width = 300 / Math.max(1, shown.length);
  const parts = [];
  shown.forEach(([label, count], i) => {
    const h = (count / max) * 56;
    parts.push(svg('rect', { x: i * width + 2, y: 72 - h, width: width - 4, height: h, fill: '#6c8ef5' },));
    parts.push(svg('text', { x: i * width + width / 2, y: 86, 'font-size': 10, 'text-anchor': 'middle' },
      '≤' + label.replace(/\.0$/, '')));
    if (count > 0) parts.push(svg('text', { x: i * width + width / 2, y: 70 - h, 'font-size': 9, 'text-anchor': 'middle' }, count));
  });
  target.replaceChildren(...parts);
}

// ---------- try it ----------
function note(text, error) {
  const n = $('try-note');
  n.textContent = text;
  n.className = 'note' + (error ? ' error' : '');
  n.dataset.kind = error ? 'unready' : '';
}

function drawInput(canvas, input) {
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(28, 28);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const v = input[y][x];
    const i = (y * 28 + x) * 4;
    image.data[i] = image.data[i + 1] = image.data[i + 2] = v;
    image.data[i + 3] = 255;
  }
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  small.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

function drawOverlay(canvas, input, map) {
  drawInput(canvas, input);
  let max = 0;
  for (const row of map) for (const v of row) max = Math.max(max, Math.abs(v));
  const heat = document.createElement('canvas');
  heat.width = heat.height = 28;
  const hctx = heat.getContext('2d');
  const image = hctx.createImageData(28, 28);
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    const v = max > 0 ? map[y][x] / max : 0;
    const i = (y * 28 + x) * 4;
    const [r, g, b] = v >= 0 ? [255, 40, 0] : [0, 90, 255];
    image.data[i] = r; image.data[i + 1] = g; image.data[i + 2] = b;
    image.data[i + 3] = Math.round(Math.min(1, Math.abs(v)) * 0.75 * 255);
  }
  hctx.putImageData(image, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = true; // the map is smooth; the input stays pixelated underneath
  ctx.drawImage(heat, 0, 0, canvas.width, canvas.height);
  canvas.dataset.rendered = max > 0 ? 'heat' : 'flat';
}

async function tryImage(file) {
  const model = $('try-model').value;
  if (!model) {
    note('No model is ready to try.', true);
    return;
  }
  note('Explaining ' + file.name + ' with ' + model + '…');
  $('overlay-canvas').dataset.rendered = '';
  let response;
  try {
    response = await fetch(`/v1/models/${encodeURIComponent(model)}/explain?top_k=5`, {
      method: 'POST', headers: { 'Content-Type': file.type || 'application/octet-stream' }, body: file });
  } catch (e) {
    note('The server cannot be reached.', true);
    return;
  }
  const answer = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) {
    note(`${response.status}: ${answer.error}`, true);
    return;
  }
  drawInput($('input-canvas'), answer.input);
  drawOverlay($('overlay-canvas'), answer.input, answer.map);
  const top = answer.predictions[0];
  $('top-class').textContent = top.label;
  $('predictions').replaceChildren(...answer.predictions.map((p) => {
    const li = document.createElement('li');
    li.textContent = `${p.label} — ${(p.probability * 100).toFixed(1)} %`;
    return li;
  }));
  note(`${answer.model} v${answer.version}: explained "${answer.target.label}" with a ${answer.patch}×${answer.patch} patch`
    + ` every ${answer.stride} px (${answer.computed} of ${answer.variants} variants run)`
    + (answer.converted ? '; converted as a product photo' : ''));
}

function setUpTry() {
  const drop = $('drop');
  $('file').addEventListener('change', (e) => e.target.files[0] && tryImage(e.target.files[0]));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) tryImage(e.dataTransfer.files[0]);
  });
}

// ---------- main loop ----------
$('token').addEventListener('input', (e) => {
  state.token = e.target.value.trim();
  updateAdminButtons();
});
$('token-form').addEventListener('submit', (e) => e.preventDefault());
setUpTry();

async function tick() {
  await refreshModels();
  if (await refreshHealth()) await refreshMetrics();
  setTimeout(tick, REFRESH_MS);
}
tick();
