// vidgen's web page: submits jobs to the JSON API, follows their Server-Sent Events, plays the result, lists recent
// jobs. Plain JavaScript, no build step. Events are read with fetch() rather than EventSource so that the API key
// (when the server has one) travels in the Authorization header, never in a URL.
'use strict';

const $ = (id) => document.getElementById(id);
const ui = {
  key: localStorage.getItem('vidgen.key') || '',
  following: null,
  blobUrls: new Map(),
};
const NUMBER_FIELDS = ['frames', 'width', 'height', 'steps', 'guidance', 'seed', 'fps'];
const TEXT_FIELDS = ['negative_prompt', 'scheduler', 'format'];

function authHeaders(extra) {
  const h = Object.assign({}, extra || {});
  if (ui.key) h['Authorization'] = 'Bearer ' + ui.key;
  return h;
}

async function api(path, options) {
  const opts = Object.assign({}, options || {});
  opts.headers = authHeaders(opts.headers);
  const r = await fetch(path, opts);
  let body = null;
  try { body = await r.json(); } catch (e) { /* not JSON */ }
  if (!r.ok) {
    const err = new Error((body && body.error) || ('HTTP ' + r.status));
    err.status = r.status;
    throw err;
  }
  return body;
}

function setStatus(text, isError) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('error', !!isError);
}

async function refreshHealth() {
  try {
    const h = await (await fetch('/health')).json();
    const loaded = h.loaded_models.length ? ' · loaded: ' + h.loaded_models.join(', ') : '';
    $('health').textContent = h.status + ' · running ' + h.running + ' · queued ' + h.queued + '/' + h.queue_capacity + loaded;
    $('keybox').open = h.auth && !ui.key;
  } catch (e) {
    $('health').textContent = 'server unreachable';
  }
}

async function loadModels() {
  const sel = $('model');
  try {
    const m = await api('/v1/models');
    sel.textContent = '';
    for (const model of m.models) {
      const o = document.createElement('option');
      o.value = model.id;
      o.textContent = model.id + (model.available ? '' : ' (not on this server)') + (model.loaded ? ' · loaded' : '');
      o.disabled = !model.available;
      o.title = model.description;
      if (model.id === m.default) o.selected = true;
      sel.appendChild(o);
    }
    document.body.dataset.models = String(m.models.length);
  } catch (e) {
    setStatus('cannot list models: ' + e.message, true);
  }
}

function collectRequest() {
  const fields = { model: $('model').value, prompt: $('prompt').value };
  for (const f of TEXT_FIELDS) {
    const v = $(f).value.trim();
    if (v) fields[f] = v;
  }
  for (const f of NUMBER_FIELDS) {
    const v = $(f).value.trim();
    if (v) fields[f] = v;
  }
  return fields;
}

async function submit(ev) {
  ev.preventDefault();
  const fields = collectRequest();
  const file = $('image').files[0];
  let options;
  if (file) {
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.append(k, v);
    fd.append('image', file);
    options = { method: 'POST', body: fd };
  } else {
    const body = {};
    for (const [k, v] of Object.entries(fields)) body[k] = NUMBER_FIELDS.includes(k) ? Number(v) : v;
    options = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  }
  $('submit').disabled = true;
  try {
    const job = await api('/v1/jobs', options);
    document.body.dataset.jobId = job.id;
    follow(job);
    loadGallery();
  } catch (e) {
    setStatus(e.message, true);
  } finally {
    $('submit').disabled = false;
  }
}

function showJobState(job) {
  document.body.dataset.jobState = job.state;
  const p = $('progress');
  if (job.state === 'queued') {
    setStatus('queued' + (job.queue_position ? ' (position ' + job.queue_position + ')' : '') + '…');
  } else if (job.state === 'running') {
    setStatus(job.progress.total ? 'running: step ' + job.progress.step + ' of ' + job.progress.total : 'loading the model…');
  } else if (job.state === 'succeeded') {
    setStatus('done in ' + (job.timings.total_ms / 1000).toFixed(1) + ' s');
    p.value = p.max;
  } else {
    setStatus(job.state + (job.error ? ': ' + job.error : ''), job.state === 'failed');
  }
}

function showProgress(ev) {
  const p = $('progress');
  p.hidden = false;
  p.max = ev.total;
  p.value = ev.step;
  setStatus('running: step ' + ev.step + ' of ' + ev.total);
  const b = document.body.dataset;
  b.stepsSeen = String(Number(b.stepsSeen || 0) + 1);
  b.lastStep = ev.step + '/' + ev.total;
}

// Reads a text/event-stream body and calls onEvent(name, data) per event; resolves when the stream ends.
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trim());
      }
      if (data.length) onEvent(name, data.join('\n'));
    }
  }
}

async function follow(job) {
  ui.following = job.id;
  const p = $('progress');
  p.hidden = false;
  p.removeAttribute('value');
  document.body.dataset.stepsSeen = '0';
  showJobState(job);
  let last = job;
  try {
    const r = await fetch('/v1/jobs/' + job.id + '/events', { headers: authHeaders() });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    await readEvents(r, (name, data) => {
      if (ui.following !== job.id) return;
      const d = JSON.parse(data);
      if (name === 'progress') showProgress(d);
      else if (name === 'state') { last = d; showJobState(d); }
    });
  } catch (e) {
    // the stream broke: poll until the job ends
    while (!['succeeded', 'failed', 'cancelled'].includes(last.state)) {
      await new Promise((r) => setTimeout(r, 1000));
      last = await api('/v1/jobs/' + job.id);
      showJobState(last);
    }
  }
  if (ui.following !== job.id) return;
  if (last.state === 'succeeded') await show(last);
  loadGallery();
  refreshHealth();
  loadModels();
}

async function videoUrl(job) {
  if (!ui.key) return job.result.url; // the browser streams it with range requests
  if (!ui.blobUrls.has(job.id)) {
    const r = await fetch(job.result.url, { headers: authHeaders() });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    ui.blobUrls.set(job.id, URL.createObjectURL(await r.blob()));
  }
  return ui.blobUrls.get(job.id);
}

async function show(job) {
  const v = $('player');
  const g = $('gif');
  const url = await videoUrl(job);
  const isGif = job.result.content_type === 'image/gif';
  v.hidden = isGif;
  g.hidden = !isGif;
  if (isGif) {
    v.removeAttribute('src');
    g.src = url;
  } else {
    v.src = url;
    v.play().catch(() => { /* autoplay refused: the controls are there */ });
  }
  const r = job.result;
  $('meta').textContent = '“' + job.request.prompt + '” · ' + job.request.model + ' · ' + r.frames + ' frames ' +
    r.width + '×' + r.height + ' at ' + r.fps + ' fps · seed ' + r.seed + ' · ' + r.scheduler + ' · ' +
    (job.timings.total_ms / 1000).toFixed(1) + ' s';
  document.body.dataset.shownJob = job.id;
}

async function loadGallery() {
  let jobs;
  try {
    jobs = (await api('/v1/jobs?limit=12')).jobs;
  } catch (e) {
    return;
  }
  const g = $('gallery');
  g.textContent = '';
  for (const job of jobs) {
    const card = document.createElement('div');
    card.className = 'card';
    card.dataset.id = job.id;
    let media;
    if (job.state === 'succeeded' && job.result.content_type === 'video/mp4' && !ui.key) {
      media = document.createElement('video');
      media.muted = true;
      media.loop = true;
      media.autoplay = true;
      media.playsInline = true;
      media.preload = 'metadata';
      media.src = job.result.url;
    } else {
      media = document.createElement('div');
      media.className = 'placeholder';
      media.textContent = job.state === 'succeeded' ? '▶' : job.state;
    }
    const prompt = document.createElement('div');
    prompt.className = 'prompt';
    prompt.textContent = job.request.prompt || '(image only)';
    prompt.title = job.request.prompt;
    const badge = document.createElement('span');
    badge.className = 'badge ' + job.state;
    badge.textContent = job.state + ' · ' + job.request.model;
    card.append(media, prompt, badge);
    card.addEventListener('click', () => {
      if (job.state === 'succeeded') { ui.following = null; show(job); showJobState(job); }
      else if (job.state === 'queued' || job.state === 'running') follow(job);
      else showJobState(job);
    });
    g.appendChild(card);
  }
  document.body.dataset.galleryItems = String(jobs.length);
}

$('apikey').value = ui.key;
$('apikey').addEventListener('change', () => {
  ui.key = $('apikey').value.trim();
  localStorage.setItem('vidgen.key', ui.key);
  loadModels();
  loadGallery();
});
$('form').addEventListener('submit', submit);
refreshHealth();
loadModels().then(() => { document.body.dataset.ready = 'true'; });
loadGallery();
