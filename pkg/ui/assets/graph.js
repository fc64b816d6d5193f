// The dependency graph: laid out by dagre (a layered, Sugiyama-style
// layout from npm, embedded at build time), drawn as SVG, states updated in
// place as the server reports them. Dependencies are on the left; an edge
// points from a service to what it waits for, labelled with the condition.
import { svg, stateLabel, edgeLabel } from './dom.js';

const NODE_H = 62;
const LIBRARY = '/assets/vendor/dagre.esm.js';

export class GraphView {
  constructor(svgEl, wrap, note, onSelect) {
    this.svg = svgEl;
    this.wrap = wrap;
    this.note = note;
    this.onSelect = onSelect;
    this.nodes = new Map();   // name -> <g>
    this.edges = [];          // {from, to, g}
    this.t = { x: 0, y: 0, k: 1 };
    this.size = { w: 0, h: 0 };
    this.first = true;
    this.layout = import(LIBRARY).then(m => m.default || m).catch(() => null);
    this.root = svg('g');
    this.svg.append(this.defs(), this.root);
    this.panZoom();
  }

  defs() {
    return svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8d95a5' })));
  }

  async render(view) {
    const dagre = await this.layout;
    if (!dagre) {
      this.note.hidden = false;
      this.note.textContent = 'This stack binary was built without the graph layout library: the Services tab lists the same services and states. Build with "make build" (it fetches dagre from npm) to see the graph.';
      document.body.dataset.graph = 'nolayout';
      return;
    }
    this.note.hidden = view.services.length > 0;
    this.note.textContent = view.fileError
      ? `No services: ${view.fileError}`
      : 'No services: this project has no containers, and no stack file names it.';
    const t0 = performance.now();
    const g = new dagre.graphlib.Graph({ multigraph: false });
    // network-simplex ranks best; tight-tree is about twice as fast.
    const big = view.services.length > 60;
    const ranker = big ? 'tight-tree' : 'network-simplex';
    g.setGraph({ rankdir: 'RL', ranker, nodesep: 16, ranksep: 70, edgesep: 10, marginx: 20, marginy: 20 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const s of view.services) g.setNode(s.name, { width: nodeWidth(s), height: NODE_H });
    for (const s of view.services) {
      for (const d of s.deps) {
        if (!g.hasNode(d.to)) continue;
        const label = edgeLabel(d);
        // On a large graph labels sit on the edge's middle point instead
        // of taking room in the layout, which then takes half the time.
        g.setEdge(s.name, d.to, big ? { label, dep: d } : { label, width: label.length * 5.6 + 6, height: 12, labelpos: 'c', dep: d });
      }
    }
    // Past a few dozen services the search for the fewest crossings is
    // most of the layout's time; one ordering pass draws a layered stack
    // well enough, three to five times faster.
    dagre.layout(g, big ? { disableOptimalOrderHeuristic: true } : {});
    this.root.replaceChildren();
    this.nodes.clear();
    this.edges = [];
    const edgeLayer = svg('g', { class: 'edges' });
    const nodeLayer = svg('g', { class: 'nodes' });
    this.root.append(edgeLayer, nodeLayer);
    for (const e of g.edges()) {
      const a = g.edge(e);
      const d = a.dep;
      const at = big ? a.points[Math.floor(a.points.length / 2)] : a;
      const cls = 'edge' + (d.condition === 'service_healthy' ? ' healthy' : d.condition === 'service_completed_successfully' ? ' completed' : '');
      const ge = svg('g', { class: cls, 'data-from': e.v, 'data-to': e.w, 'data-condition': d.condition, 'data-kind': d.kind },
        svg('title', {}, `${e.v} → ${e.w}: ${d.condition}${d.kind !== 'depends_on' ? ' (' + d.kind + ')' : ''}`),
        svg('path', { d: curve(a.points), 'marker-end': 'url(#arrow)' }),
        svg('text', { class: 'bg', x: at.x, y: at.y + 3, 'text-anchor': 'middle' }, a.label),
        svg('text', { x: at.x, y: at.y + 3, 'text-anchor': 'middle' }, a.label));
      edgeLayer.append(ge);
      this.edges.push({ from: e.v, to: e.w, g: ge });
    }
    for (const s of view.services) {
      const n = g.node(s.name);
      const gn = this.drawNode(s, n);
      nodeLayer.append(gn);
      this.nodes.set(s.name, gn);
    }
    const gg = g.graph();
    this.size = { w: gg.width || 0, h: gg.height || 0 };
    this.laidOut = performance.now() - t0;
    window.stackUI.layoutMs = this.laidOut;
    if (this.first) {
      this.first = false;
      this.fit();
      // The benchmark and the tests read this: the first graph is on screen.
      requestAnimationFrame(() => {
        performance.mark('stack-graph-rendered');
        document.body.dataset.graph = 'ready';
      });
    }
    if (this.selected) this.select(this.selected);
  }

  drawNode(s, n) {
    const w = n.width;
    const gn = svg('g', { class: 'node', 'data-service': s.name, transform: `translate(${n.x - w / 2},${n.y - NODE_H / 2})`, tabindex: 0 });
    gn.addEventListener('click', e => { if (!e.target.closest('a')) this.onSelect(s.name); });
    gn.addEventListener('keydown', e => { if (e.key === 'Enter') this.onSelect(s.name); });
    gn.append(
      svg('title', {}, s.name),
      svg('rect', { class: 'box', width: w, height: NODE_H }),
      svg('rect', { class: 'bar', width: 5, height: NODE_H - 8, x: 4, y: 4, rx: 2 }),
      svg('text', { class: 'name', x: 16, y: 18 }, s.name),
      svg('text', { class: 'state', x: 16, y: 35 }),
      svg('text', { class: 'prio', x: w - 8, y: 18, 'text-anchor': 'end' }, s.priority ? `prio ${s.priority}` : ''),
      svg('g', { class: 'ports' }),
    );
    this.paint(gn, s);
    return gn;
  }

  // paint sets what changes with the containers: state, count, ports.
  paint(gn, s) {
    gn.dataset.state = s.state;
    if (s.state === 'exited' && s.exitCode) gn.dataset.failed = '';
    else delete gn.dataset.failed;
    const count = s.desired >= 0 ? `${s.up}/${s.desired}` : `${s.up} up`;
    gn.querySelector('text.state').textContent = `${stateLabel(s)} · ${count}`;
    const ports = gn.querySelector('g.ports');
    ports.replaceChildren();
    let x = 16;
    for (const p of (s.ports || []).slice(0, 3)) {
      const text = `:${p.hostPort}`;
      const host = !p.hostIP || p.hostIP === '0.0.0.0' || p.hostIP === '::' ? location.hostname : p.hostIP;
      const t = svg('text', { x, y: 53 }, text);
      if (p.protocol && p.protocol !== 'tcp') ports.append(t);
      else ports.append(svg('a', { href: `http://${host.includes(':') ? '[' + host + ']' : host}:${p.hostPort}/`, target: '_blank', 'data-port': p.hostPort }, svg('title', {}, `${p.hostPort} → ${p.target}/${p.protocol || 'tcp'}`), t));
      x += text.length * 7 + 8;
    }
  }

  update(services) {
    for (const s of services) {
      const gn = this.nodes.get(s.name);
      if (gn) this.paint(gn, s);
    }
  }

  select(name) {
    this.selected = name;
    for (const [n, g] of this.nodes) g.classList.toggle('sel', n === name);
    for (const e of this.edges) e.g.classList.toggle('hl', e.from === name || e.to === name);
  }

  find(text) {
    const q = text.trim().toLowerCase();
    for (const [n, g] of this.nodes) g.classList.toggle('dim', q !== '' && !n.toLowerCase().includes(q));
  }

  fit() {
    const W = this.wrap.clientWidth || 800, H = this.wrap.clientHeight || 600;
    if (!this.size.w) return;
    const k = Math.min(1.3, W / this.size.w, H / this.size.h);
    this.t = { k, x: (W - this.size.w * k) / 2, y: Math.max(0, (H - this.size.h * k) / 2) };
    this.apply();
  }

  resized() {
    if (this.size.w && !this.moved) this.fit();
  }

  apply() {
    this.root.setAttribute('transform', `translate(${this.t.x},${this.t.y}) scale(${this.t.k})`);
  }

  panZoom() {
    let drag = null;
    this.wrap.addEventListener('wheel', e => {
      e.preventDefault();
      const r = this.wrap.getBoundingClientRect();
      const px = e.clientX - r.left, py = e.clientY - r.top;
      const f = Math.exp(-e.deltaY * 0.0015);
      const k = Math.min(4, Math.max(0.05, this.t.k * f));
      this.t.x = px - (px - this.t.x) * (k / this.t.k);
      this.t.y = py - (py - this.t.y) * (k / this.t.k);
      this.t.k = k;
      this.moved = true;
      this.apply();
    }, { passive: false });
    this.wrap.addEventListener('pointerdown', e => {
      if (e.target.closest('.node')) return;
      drag = { x: e.clientX, y: e.clientY, tx: this.t.x, ty: this.t.y };
      this.wrap.classList.add('dragging');
      this.wrap.setPointerCapture(e.pointerId);
    });
    this.wrap.addEventListener('pointermove', e => {
      if (!drag) return;
      this.t.x = drag.tx + e.clientX - drag.x;
      this.t.y = drag.ty + e.clientY - drag.y;
      this.moved = true;
      this.apply();
    });
    const end = () => { drag = null; this.wrap.classList.remove('dragging'); };
    this.wrap.addEventListener('pointerup', end);
    this.wrap.addEventListener('pointercancel', end);
    window.addEventListener('resize', () => this.resized());
  }
}

function nodeWidth(s) {
  return Math.max(150, s.name.length * 8 + 60);
}

// curve draws a smooth path through dagre's edge points.
function curve(pts) {
  if (!pts || !pts.length) return '';
  let d = `M${pts[0].x},${pts[0].y}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const m = { x: (pts[i].x + pts[i + 1].x) / 2, y: (pts[i].y + pts[i + 1].y) / 2 };
    d += ` Q${pts[i].x},${pts[i].y} ${m.x},${m.y}`;
  }
  const last = pts[pts.length - 1];
  return d + ` L${last.x},${last.y}`;
}
