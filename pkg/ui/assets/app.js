// stack ui: the page. Holds the project's state as the server sends it over
// the WebSocket, and hands it to the views (graph, services, timeline, logs,
// schedules, activity). Changes go through fetch with the token header.
import { GraphView } from './graph.js';
import { LogsView } from './logs.js';
import { TimelineView } from './timeline.js';
import { $, el, stateLabel, portLinks, edgeLabel, fmtTime } from './dom.js';

const token = document.querySelector('meta[name=stack-token]').content;
const pathProject = (location.pathname.match(/^\/p\/([^/]+)\//) || [])[1];
const project = pathProject ? decodeURIComponent(pathProject) : document.querySelector('meta[name=stack-project]').content;

const app = {
  project,
  view: null,          // ProjectView
  byName: new Map(),   // service name -> ServiceView
  busy: null,          // running action
  selected: null,      // service in the panel
  actions: new Map(),  // id -> {info, events: []}
  engineError: '',
  ws: null,
};
window.stackUI = app; // for the browser tests and the curious

// ---- API ------------------------------------------------------------------

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (method !== 'GET') {
    opts.headers['X-Stack-Token'] = token;
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body || {});
  }
  const res = await fetch(path, opts);
  let data = null;
  try { data = await res.json(); } catch { /* empty */ }
  if (!res.ok) {
    const err = new Error((data && data.error) || `${res.status} ${res.statusText}`);
    err.status = res.status;
    err.data = data;
    throw err;
  }
  return data;
}
const papi = (method, rest, body) => api(method, `/api/p/${encodeURIComponent(app.project)}${rest}`, body);

function toast(text, bad) {
  const t = el('div', { class: 'toast' + (bad ? ' bad' : '') }, text);
  $('#toasts').append(t);
  setTimeout(() => t.remove(), bad ? 9000 : 4000);
}

// ---- live state -------------------------------------------------------------

const graph = new GraphView($('#graph'), $('#graph-wrap'), $('#graph-note'), name => select(name));
const logs = new LogsView(msg => send(msg));
const timeline = new TimelineView($('#timeline'), $('#timeline-note'), () => papi('GET', '/timeline'));

function connect(delay = 500) {
  if (!app.project) { setConn('down', 'no project'); return; }
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/p/${encodeURIComponent(app.project)}/live`);
  app.ws = ws;
  ws.onopen = () => { setConn('live', 'live'); delay = 500; logs.resubscribe(); };
  ws.onmessage = e => receive(JSON.parse(e.data));
  ws.onclose = () => {
    app.ws = null;
    setConn('down', 'reconnecting…');
    setTimeout(() => connect(Math.min(delay * 2, 5000)), delay);
  };
}

function send(msg) {
  if (app.ws && app.ws.readyState === WebSocket.OPEN) app.ws.send(JSON.stringify(msg));
}

function setConn(state, text) {
  const c = $('#conn');
  c.dataset.state = state;
  c.textContent = text;
}

function receive(m) {
  switch (m.type) {
    case 'hello':
      app.busy = m.busy || null;
      app.engineError = m.error || '';
      if (m.project) setProject(m.project);
      renderChrome();
      break;
    case 'project':
      setProject(m.project);
      break;
    case 'services':
      for (const s of m.services) {
        const i = app.view.services.findIndex(x => x.name === s.name);
        const was = i >= 0 ? app.view.services[i] : null;
        if (i >= 0) app.view.services[i] = s;
        app.byName.set(s.name, s);
        if (was && failing(s) && !failing(was)) toast(`${s.name} is ${stateLabel(s)}`, true);
      }
      graph.update(m.services);
      renderServices();
      renderPanel();
      renderSummary();
      timeline.stale();
      break;
    case 'engine':
      app.engineError = m.error || '';
      renderChrome();
      break;
    case 'action':
      noteAction(m.action);
      break;
    case 'progress':
      noteProgress(m.action, m.event);
      break;
    case 'logs-history':
      logs.history(m.lines);
      break;
    case 'logs':
      logs.add(m.lines, m.dropped);
      break;
    case 'logs-error':
      toast('logs: ' + m.error, true);
      break;
  }
}

function setProject(v) {
  app.view = v;
  app.byName = new Map(v.services.map(s => [s.name, s]));
  graph.render(v);
  logs.setServices(v.services.map(s => s.name));
  renderServices();
  renderPanel();
  renderSummary();
  renderChrome();
  timeline.stale();
  if (v.jobs) loadJobs();
}

// ---- chrome -----------------------------------------------------------------

function renderChrome() {
  const v = app.view;
  const ro = v ? v.readOnly : false;
  $('#readonly').hidden = !ro;
  $('#btn-up').hidden = ro;
  $('#btn-down').hidden = ro;
  $('#btn-up').disabled = !v || !v.file || !!app.busy;
  $('#btn-down').disabled = !v || !!app.busy;
  $('#btn-up').title = v && !v.file ? 'up needs the stack file: ' + (v.fileError || 'not loaded') : 'stack up -d: shows the plan first';
  document.querySelector('nav [data-tab=jobs]').hidden = !(v && v.jobs);
  const msgs = [];
  if (app.engineError) msgs.push('Engine: ' + app.engineError);
  if (v && v.fileError && v.name === project) msgs.push('Stack file: ' + v.fileError);
  $('#banner').hidden = msgs.length === 0;
  $('#banner').textContent = msgs.join('\n');
}

// failing is a state worth a word: unhealthy, dead, or exited with an error.
const failing = s => s.state === 'unhealthy' || s.state === 'dead' || (s.state === 'exited' && !!s.exitCode);

function renderSummary() {
  const v = app.view;
  if (!v) return;
  const up = v.services.filter(s => s.up > 0).length;
  const bad = v.services.filter(failing).length;
  document.title = (bad ? `(${bad} failing) ` : '') + v.name + ' · stack ui';
  $('#summary').textContent = `${v.services.length} services · ${up} up` + (bad ? ` · ${bad} failing` : '') + (app.busy ? ` · ${app.busy.verb} running…` : '');
}

async function loadProjects() {
  const sel = $('#project');
  try {
    const r = await api('GET', '/api/projects');
    sel.replaceChildren();
    const names = r.projects.map(p => p.name);
    if (app.project && !names.includes(app.project)) r.projects.unshift({ name: app.project, status: 'no containers' });
    if (!app.project && r.projects.length) {
      location.replace(`/p/${encodeURIComponent(r.projects[0].name)}/`);
      return;
    }
    for (const p of r.projects) {
      sel.append(el('option', { value: p.name, selected: p.name === app.project }, `${p.name}  (${p.status})`));
    }
  } catch (e) {
    toast('projects: ' + e.message, true);
  }
}

$('#project').addEventListener('change', e => { location.href = `/p/${encodeURIComponent(e.target.value)}/`; });
$('#project').addEventListener('focus', loadProjects);

// ---- tabs -------------------------------------------------------------------

function showTab(name) {
  app.tab = name;
  for (const b of document.querySelectorAll('nav [data-tab]')) b.classList.toggle('active', b.dataset.tab === name);
  for (const v of document.querySelectorAll('.view')) v.classList.toggle('active', v.id === 'view-' + name);
  logs.visible(name === 'logs');
  if (name === 'timeline') timeline.show();
  else timeline.hide();
  if (name === 'jobs') loadJobs();
  renderPanel();
  if (name === 'graph') graph.resized();
  history.replaceState(null, '', '#' + name);
}
for (const b of document.querySelectorAll('nav [data-tab]')) b.addEventListener('click', () => showTab(b.dataset.tab));

// ---- services table -----------------------------------------------------------

function serviceButtons(s) {
  if (app.view.readOnly) return [];
  const mk = (verb, label) => el('button', { class: 'small', 'data-action': verb, 'data-service': s.name, disabled: !!app.busy, onclick: () => serviceVerb(s.name, verb) }, label);
  return [mk('start', 'Start'), mk('stop', 'Stop'), mk('restart', 'Restart')];
}

function renderServices() {
  const body = $('#services tbody');
  body.replaceChildren(...app.view.services.map(s => {
    const tr = el('tr', { 'data-service': s.name, 'data-state': s.state },
      el('td', {}, el('a', { href: '#', onclick: e => { e.preventDefault(); select(s.name); } }, s.name), s.orphan ? el('span', { class: 'note' }, ' orphan') : ''),
      el('td', {}, pill(s)),
      el('td', {}, s.desired >= 0 ? `${s.up}/${s.desired}` : String(s.up)),
      el('td', {}, ...portLinks(s.ports)),
      el('td', { class: 'deps' }, s.deps.map(d => d.to + (edgeLabel(d) ? ` (${edgeLabel(d)})` : '')).join(', ')),
      el('td', {}, s.priority ? String(s.priority) : ''),
      el('td', { class: 'actions' }, ...serviceButtons(s)));
    if (s.state === 'exited' && s.exitCode) tr.dataset.failed = '';
    return tr;
  }));
}

function pill(s) {
  const p = el('span', { class: 'pill', 'data-state': s.state }, stateLabel(s));
  if (s.state === 'exited' && s.exitCode) p.dataset.failed = '';
  return p;
}

// ---- side panel -------------------------------------------------------------

function select(name) {
  app.selected = name;
  graph.select(name);
  renderPanel();
}

function renderPanel() {
  const panel = $('#panel');
  const s = app.selected && app.byName.get(app.selected);
  const shown = !!s && ['graph', 'services'].includes(app.tab);
  if (panel.hidden === shown) {
    panel.hidden = !shown;
    graph.resized();
  }
  if (!shown) return;
  const ro = app.view.readOnly;
  const dependents = app.view.services.filter(x => x.deps.some(d => d.to === s.name)).map(x => x.name);
  const btn = (verb, label, extra = {}) => el('button', { 'data-action': verb, 'data-service': s.name, disabled: !!app.busy || !!extra.disabled, title: extra.title || '', onclick: extra.onclick || (() => serviceVerb(s.name, verb)) }, label);
  const needFile = !app.view.file ? { disabled: true, title: 'needs the stack file' } : {};
  const scaleInput = el('input', { type: 'number', min: 0, value: s.desired >= 0 ? s.desired : s.containers.length, 'data-scale': s.name });
  panel.replaceChildren(
    el('h2', {}, s.name, pill(s), el('button', { class: 'small close', onclick: () => select(null), title: 'Close' }, '×')),
    el('div', { class: 'note' }, s.image || ''),
    el('div', {}, s.desired >= 0 ? `${s.up} of ${s.desired} container${s.desired === 1 ? '' : 's'} up` : `${s.up} up`, s.priority ? ` · x-link-priority ${s.priority}` : ''),
    ro ? '' : el('h3', {}, 'Actions'),
    ro ? '' : el('div', { class: 'buttons' },
      btn('start', 'Start'), btn('stop', 'Stop'), btn('restart', 'Restart'),
      btn('recreate', 'Recreate…', { ...needFile, onclick: () => plan({ verb: 'recreate', services: [s.name] }) }),
      s.state === 'paused' ? btn('unpause', 'Unpause') : btn('pause', 'Pause'),
    ),
    ro || !s.scalable ? '' : el('div', { class: 'scale' }, 'Scale to', scaleInput,
      btn('scale', 'Scale…', { ...needFile, onclick: () => plan({ verb: 'scale', services: [s.name], scale: Number(scaleInput.value) }) })),
    el('h3', {}, 'Logs'),
    el('button', { 'data-action': 'logs', onclick: () => { logs.choose(s.name); showTab('logs'); } }, `Follow ${s.name}'s logs`),
    s.ports && s.ports.length ? el('h3', {}, 'Ports') : '',
    s.ports && s.ports.length ? el('div', {}, ...portLinks(s.ports)) : '',
    el('h3', {}, 'Containers'),
    s.containers.length ? el('ul', {}, ...s.containers.map(c => el('li', { 'data-container': c.name }, `${c.name}: `, el('span', { class: 'note' }, c.status || c.state)))) : el('div', { class: 'note' }, 'not created'),
    el('h3', {}, 'Depends on'),
    s.deps.length ? el('ul', {}, ...s.deps.map(d => el('li', {}, el('a', { href: '#', onclick: e => { e.preventDefault(); select(d.to); } }, d.to), ` — ${d.condition}${d.kind !== 'depends_on' ? ', ' + d.kind : ''}`))) : el('div', { class: 'note' }, 'nothing'),
    el('h3', {}, 'Needed by'),
    dependents.length ? el('ul', {}, ...dependents.map(n => el('li', {}, el('a', { href: '#', onclick: e => { e.preventDefault(); select(n); } }, n)))) : el('div', { class: 'note' }, 'nothing'),
  );
}

// ---- actions ----------------------------------------------------------------

async function serviceVerb(name, verb) {
  try {
    await papi('POST', `/services/${encodeURIComponent(name)}/${verb}`);
  } catch (e) {
    toast(`${verb} ${name}: ${e.message}`, true);
  }
}

// plan asks for the plan of an up, recreate or scale and shows it; Apply
// sends it back.
async function plan(req) {
  let p;
  try {
    p = await papi('POST', '/plan', req);
  } catch (e) {
    toast(`${req.verb}: ${e.message}`, true);
    return;
  }
  p.volumes = !!req.volumes;
  showPlan(p);
}

function showPlan(p, note) {
  const d = $('#plan-dialog');
  const still = ['keep', 'check', 'note'];
  const changing = p.steps.filter(s => !still.includes(s.action));
  const kept = p.steps.filter(s => s.action === 'keep' || s.action === 'check');
  const other = p.steps.filter(s => s.action === 'note');
  const row = s => el('tr', { 'data-act': s.action, 'data-name': s.name },
    el('td', { class: 'note' }, s.n ? `${s.n}.` : '–'), el('td', { class: 'act' }, s.action), el('td', {}, s.kind), el('td', {}, s.name),
    el('td', { class: 'note' }, s.action === 'note' ? s.reason : (s.detail || '')));
  $('#plan-title').textContent = { up: 'Up', recreate: 'Recreate', scale: 'Scale', down: 'Down' }[p.verb] + ': the plan';
  $('#plan-summary').textContent = (note ? note + ' ' : '') + (p.changes ? `${changing.length} operation${changing.length === 1 ? '' : 's'}, as stack up --dry-run shows them.` : 'Nothing to change: everything is as the file says.');
  $('#plan-steps').replaceChildren(
    changing.length ? el('table', {}, ...changing.map(row)) : '',
    other.length ? el('table', {}, ...other.map(row)) : '',
    kept.length ? el('details', {}, el('summary', {}, `${kept.length} kept as they are`), el('table', {}, ...kept.map(row))) : '',
  );
  if (p.verb === 'down') {
    const vol = el('input', { type: 'checkbox', id: 'down-volumes', checked: !!p.volumes });
    vol.addEventListener('change', () => { d.onclose = null; d.close(); plan({ verb: 'down', volumes: vol.checked }); });
    $('#plan-steps').prepend(el('label', { class: 'note' }, vol, ' also remove the named volumes (-v): their data is lost'));
  }
  $('#plan-apply').disabled = !p.changes;
  $('#plan-apply').className = p.verb === 'down' ? 'danger' : 'primary';
  d.dataset.plan = p.id;
  d.returnValue = '';
  d.onclose = () => { if (d.returnValue === 'apply') apply(p); };
  d.showModal();
}

async function apply(p) {
  try {
    await papi('POST', '/apply', { plan: p.id });
  } catch (e) {
    if (e.status === 409 && e.data && e.data.plan) {
      showPlan(e.data.plan, 'The state changed since the plan was shown; here is the new one.');
      return;
    }
    toast(`${p.verb}: ${e.message}`, true);
  }
}

$('#btn-up').addEventListener('click', () => plan({ verb: 'up' }));
// Down shows its plan too; the box re-plans with -v.
$('#btn-down').addEventListener('click', () => plan({ verb: 'down' }));

function noteAction(a) {
  const rec = app.actions.get(a.id) || { info: a, events: [] };
  rec.info = a;
  app.actions.set(a.id, rec);
  app.busy = a.state === 'running' ? a : (app.busy && app.busy.id === a.id ? null : app.busy);
  const what = a.verb + (a.service ? ' ' + a.service : '');
  if (a.state === 'done') toast(`${what}: done`);
  if (a.state === 'failed') toast(`${what}: ${a.error}`, true);
  renderActivity();
  renderChrome();
  renderSummary();
  renderServices();
  renderPanel();
  if (a.state !== 'running') timeline.stale();
}

function noteProgress(a, ev) {
  let rec = app.actions.get(a.id);
  if (!rec) { rec = { info: a, events: [] }; app.actions.set(a.id, rec); }
  rec.events.push(ev);
  if (rec.events.length > 2000) rec.events.shift();
  renderActivitySoon();
}

let activityTimer = 0;
function renderActivitySoon() {
  if (!activityTimer) activityTimer = setTimeout(() => { activityTimer = 0; renderActivity(); }, 200);
}

function renderActivity() {
  const list = [...app.actions.values()].sort((a, b) => b.info.id - a.info.id);
  $('#activity-count').textContent = list.length ? `(${list.length})` : '';
  $('#activity').replaceChildren(...list.map(({ info, events }) => el('li', { 'data-action-id': info.id, 'data-run': info.state },
    el('div', { class: 'head' }, `${info.verb}${info.service ? ' ' + info.service : ''}`, el('span', { class: 'pill' }, info.state), el('span', { class: 'note' }, ' ' + fmtTime(info.started))),
    info.error ? el('div', { class: 'err' }, info.error) : '',
    ...events.slice(-200).map(e => el('div', { class: 'ev' }, `${e.kind} ${e.name}: ${e.status}${e.text ? ' (' + e.text + ')' : ''}${e.error ? ' ' + e.error : ''}`)),
  )));
}

// ---- schedules (stack agent) -------------------------------------------------

async function loadJobs() {
  if (!app.view || !app.view.jobs) return;
  try {
    const r = await papi('GET', '/jobs');
    $('#jobs tbody').replaceChildren(...r.jobs.map(j => el('tr', { 'data-service': j.service },
      el('td', {}, j.service),
      el('td', {}, j.schedule || j.trigger || ''),
      el('td', {}, j.next ? fmtTime(Date.parse(j.next)) : ''),
      el('td', {}, j.runs.map(r => `${fmtTime(Date.parse(r.started))}${r.exitCode != null ? ' exit ' + r.exitCode : ' running'}`).join(', ')),
      el('td', {}, app.view.readOnly ? '' : el('button', { class: 'small', 'data-action': 'run', onclick: () => papi('POST', `/jobs/${encodeURIComponent(j.service)}/run`).catch(e => toast(e.message, true)) }, 'Run now')),
    )));
  } catch (e) {
    toast('schedules: ' + e.message, true);
  }
}

// ---- start ------------------------------------------------------------------

$('#legend').append(...['none', 'created', 'starting', 'running', 'healthy', 'unhealthy', 'exited', 'paused', 'restarting'].map(st =>
  el('span', { 'data-state': st }, el('i', { class: 'sw' }), stateLabel({ state: st }))));
for (const i of document.querySelectorAll('#legend i')) i.style.background = 'var(--st)';
$('#graph-fit').addEventListener('click', () => graph.fit());
$('#graph-find').addEventListener('input', e => graph.find(e.target.value));

loadProjects();
connect();
showTab((location.hash || '#graph').slice(1) || 'graph');
