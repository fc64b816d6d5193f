// The start timeline: a bar per container from the engine's times, for the
// last burst of starts (starts less than a minute apart, ending with the
// latest), so that a user sees what waited for what: hatched while created
// and waiting, amber while starting, green from healthy on, and a tick where
// the last of its dependencies met its condition.
import { el, fmtClock } from './dom.js';

const BURST_GAP = 60e3;

export class TimelineView {
  constructor(box, note, load) {
    this.box = box;
    this.note = note;
    this.load = load;
    this.shown = false;
    this.dirty = true;
    this.timer = 0;
    document.getElementById('timeline-refresh').addEventListener('click', () => this.refresh());
  }

  show() {
    this.shown = true;
    if (this.dirty) this.refresh();
  }

  hide() { this.shown = false; }

  // stale notes that containers changed: reload, soon, if on screen.
  stale() {
    this.dirty = true;
    if (this.shown && !this.timer) this.timer = setTimeout(() => { this.timer = 0; this.refresh(); }, 1000);
  }

  async refresh() {
    this.dirty = false;
    try {
      this.draw(await this.load());
    } catch (e) {
      this.note.textContent = 'timeline: ' + e.message;
    }
  }

  draw(tl) {
    const bars = tl.bars.filter(b => b.started || b.created);
    if (!bars.length) {
      this.box.replaceChildren(el('p', { class: 'note' }, 'No containers: nothing has started yet.'));
      this.note.textContent = '';
      document.body.dataset.timeline = 'ready';
      return;
    }
    const startOf = b => b.started || b.created;
    bars.sort((a, b) => startOf(a) - startOf(b) || a.name.localeCompare(b.name));
    // The last burst: walk back from the latest start while starts are close.
    let first = bars.length - 1;
    while (first > 0 && startOf(bars[first]) - startOf(bars[first - 1]) <= BURST_GAP) first--;
    const burst = bars.slice(first);
    const earlier = bars.slice(0, first);
    const from = Math.min(...burst.map(b => Math.min(b.created || Infinity, startOf(b))));
    const ends = burst.map(b => Math.max(b.healthy || b.healthyBy || 0, b.started || 0, b.created || 0, b.finished && b.finished - startOf(b) < BURST_GAP ? b.finished : 0));
    let to = Math.max(...ends);
    to = Math.max(to + (to - from) * 0.08, from + 1000);
    const span = to - from;
    const pct = t => `${Math.max(0, Math.min(100, ((t - from) / span) * 100))}%`;
    const byService = new Map();
    for (const b of bars) {
      if (!byService.has(b.service)) byService.set(b.service, []);
      byService.get(b.service).push(b);
    }
    const ready = d => {
      const list = byService.get(d.to) || [];
      const times = list.map(b => d.condition === 'service_healthy' ? (b.healthy || b.healthyBy) : d.condition === 'service_completed_successfully' ? b.finished : b.started);
      return times.length && times.every(Boolean) ? Math.max(...times) : null;
    };
    const rows = burst.map(b => {
      const track = el('div', { class: 'track' });
      const seg = (cls, a, z, title) => {
        if (a == null || z == null || z < a) return;
        const s = el('div', { class: 'seg ' + cls, title });
        s.style.left = pct(a);
        s.style.width = `calc(${pct(z)} - ${pct(a)})`;
        track.append(s);
      };
      const rel = t => `+${((t - from) / 1000).toFixed(2)}s`;
      const end = b.finished || to;
      if (b.created && b.started) seg('wait', b.created, b.started, `created ${rel(b.created)}, started ${rel(b.started)}`);
      if (b.started) {
        if (b.health && b.healthy) {
          seg('start', b.started, b.healthy, `started ${rel(b.started)}, healthy ${rel(b.healthy)}`);
          seg('ok', b.healthy, end, `healthy from ${rel(b.healthy)}`);
        } else if (b.health && b.healthyBy) {
          // The engine no longer knows when; it was healthy by then.
          seg('start', b.started, b.healthyBy, `started ${rel(b.started)}, healthy by ${rel(b.healthyBy)} (the exact time is no longer kept by the engine)`);
          seg('ok', b.healthyBy, end, `healthy by ${rel(b.healthyBy)}`);
        } else if (b.health) {
          seg('start', b.started, end, `started ${rel(b.started)}, ${b.health === 'healthy' ? 'healthy (time no longer known to the engine)' : b.health}`);
        } else {
          seg(b.finished ? 'done' : 'run', b.started, end, `started ${rel(b.started)}` + (b.finished ? `, exited ${rel(b.finished)}` : ''));
        }
      }
      if (b.finished && b.exitCode != null) {
        const c = el('span', { class: 'code' }, `exit ${b.exitCode}`);
        c.style.left = pct(b.finished);
        track.append(c);
      }
      const waits = b.deps.map(d => ({ d, t: ready(d) })).filter(x => x.t);
      if (waits.length) {
        const last = waits.reduce((a, x) => (x.t > a.t ? x : a));
        const m = el('div', { class: 'mark', title: 'waited for ' + waits.map(x => `${x.d.to} (${x.d.condition.replace('service_', '')} ${rel(x.t)})`).join(', ') });
        m.style.left = pct(last.t);
        track.append(m);
      }
      return el('div', { class: 'tl-row', 'data-container': b.name }, el('div', { class: 'label', title: b.name }, shortName(b)), track);
    });
    const ticks = el('div', { class: 'track' });
    const step = niceStep(span / 8);
    for (let t = 0; t <= span; t += step) {
      const k = el('span', { class: 'tick' }, `+${(t / 1000).toFixed(step < 1000 ? 1 : 0)}s`);
      k.style.left = pct(from + t);
      ticks.append(k);
    }
    const legend = el('div', { class: 'tl-legend' },
      el('span', {}, el('i', { class: 'seg wait' }), 'created, not started yet'),
      el('span', {}, el('i', { class: 'seg start' }), 'starting (health pending)'),
      el('span', {}, el('i', { class: 'seg ok' }), 'healthy'),
      el('span', {}, el('i', { class: 'seg run' }), 'running (no healthcheck)'),
      el('span', {}, el('i', { class: 'seg done' }), 'exited'),
      el('span', {}, '▏ dependencies ready'));
    for (const i of legend.querySelectorAll('i')) i.style.display = 'inline-block';
    this.box.replaceChildren(legend, el('div', { class: 'tl-axis' }, el('div', {}, ''), ticks), ...rows,
      earlier.length ? el('div', { class: 'tl-earlier' }, `${earlier.length} container${earlier.length === 1 ? '' : 's'} started earlier: ` + earlier.map(b => `${b.name} (${fmtClock(startOf(b))})`).join(', ')) : '');
    this.note.textContent = `${burst.length} container${burst.length === 1 ? '' : 's'} started from ${fmtClock(from)} over ${(span / 1000).toFixed(1)}s (times from the engine)`;
    document.body.dataset.timeline = 'ready';
  }
}

// shortName is the container name without its project: service-number.
function shortName(b) {
  const i = b.name.lastIndexOf(b.service + '-');
  return i > 0 ? b.name.slice(i) : b.name;
}

function niceStep(raw) {
  const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
