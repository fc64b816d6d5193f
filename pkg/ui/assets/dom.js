// Small DOM helpers shared by the views.

export const $ = sel => document.querySelector(sel);

// el builds an element: attributes (on* are listeners; false and null
// leave the attribute out) and children (strings become text).
export function el(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG, tag), attrs, children);
}

function build(e, attrs, children) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'selected' || k === 'checked') e[k] = !!v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === '' || c === null || c === undefined || c === false) continue;
    e.append(c);
  }
  return e;
}

// stateLabel is how a service's state reads.
export function stateLabel(s) {
  switch (s.state) {
    case 'none': return 'not created';
    case 'exited': return s.exitCode != null ? `exited (${s.exitCode})` : 'exited';
    default: return s.state;
  }
}

// edgeLabel is the short label of a dependency: what it waits for, and why
// the edge exists when it is not depends_on.
export function edgeLabel(d) {
  const cond = { service_started: 'started', service_healthy: 'healthy', service_completed_successfully: 'completed' }[d.condition] || d.condition;
  return d.kind && d.kind !== 'depends_on' ? `${cond} · ${d.kind}` : cond;
}

// portLinks are the published ports, as links to this host for TCP: a page
// opened from another machine links to the server, not to localhost.
export function portLinks(ports) {
  if (!ports) return [];
  const out = [];
  for (const p of ports) {
    const host = !p.hostIP || p.hostIP === '0.0.0.0' || p.hostIP === '::' ? location.hostname : p.hostIP;
    const text = `${p.hostPort}→${p.target}${p.protocol && p.protocol !== 'tcp' ? '/' + p.protocol : ''}`;
    if (out.length) out.push(' ');
    if (p.protocol && p.protocol !== 'tcp') out.push(text);
    else out.push(el('a', { href: `http://${host.includes(':') ? '[' + host + ']' : host}:${p.hostPort}/`, target: '_blank', rel: 'noopener', 'data-port': p.hostPort }, text));
  }
  return out;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// fmtTime shows a time (ms or Date string) as HH:MM:SS.
export function fmtTime(t) {
  const d = new Date(typeof t === 'string' ? Date.parse(t) : t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// fmtClock shows milliseconds since the epoch as HH:MM:SS.mmm.
export function fmtClock(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// hue gives each service a colour of its own.
export function hue(name) {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h % 360;
}
