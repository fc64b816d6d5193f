// The logs view: the lines the server sends for the chosen services, kept
// in time order (containers' lines interleave by their timestamps), in a
// bounded buffer, filtered as the user types, followed at the bottom unless
// the user scrolls up.
import { $, el, fmtClock, hue } from './dom.js';

const MAX_LINES = 5000;

export class LogsView {
  constructor(send) {
    this.send = send;
    this.box = $('#logs');
    this.lines = [];       // {t, row}, oldest first
    this.service = '';     // '' = all, merged
    this.on = false;       // the tab is open or was opened: follow
    this.re = null;
    this.follow = true;
    this.count = $('#logs-count');
    this.select = $('#logs-service');
    this.select.addEventListener('change', () => this.choose(this.select.value));
    $('#logs-find').addEventListener('input', e => this.filter(e.target.value));
    $('#logs-follow').addEventListener('change', e => { this.follow = e.target.checked; if (this.follow) this.bottom(); });
    $('#logs-stamps').addEventListener('change', e => this.box.classList.toggle('nostamps', !e.target.checked));
    $('#logs-clear').addEventListener('click', () => { this.box.replaceChildren(); this.lines = []; this.counted(); });
    $('#logs-save').addEventListener('click', () => this.save());
    this.box.addEventListener('scroll', () => {
      const atBottom = this.box.scrollHeight - this.box.scrollTop - this.box.clientHeight < 30;
      if (this.follow !== atBottom) {
        this.follow = atBottom;
        $('#logs-follow').checked = atBottom;
      }
    });
  }

  setServices(names) {
    const keep = this.service;
    this.select.replaceChildren(el('option', { value: '' }, 'All services (merged)'), ...names.map(n => el('option', { value: n }, n)));
    this.select.value = names.includes(keep) ? keep : '';
  }

  // visible starts following when the tab is first opened; the page keeps
  // following when the user looks elsewhere, so the lines are there on
  // return.
  visible(shown) {
    if (shown && !this.on) {
      this.on = true;
      this.subscribe();
    }
    if (shown && this.follow) this.bottom();
  }

  choose(service) {
    this.service = service;
    this.select.value = service;
    this.on = true;
    this.subscribe();
  }

  subscribe() {
    this.box.replaceChildren(el('div', { class: 'gap' }, 'loading…'));
    this.lines = [];
    this.send({ type: 'logs', services: this.service ? [this.service] : [], tail: 500 });
  }

  resubscribe() {
    if (this.on) this.subscribe();
  }

  history(lines) {
    this.box.replaceChildren();
    this.lines = [];
    this.add(lines || [], 0);
    if (!lines || !lines.length) this.box.append(el('div', { class: 'gap', 'data-empty': '' }, 'no lines yet'));
  }

  add(lines, dropped) {
    const empty = this.box.querySelector('[data-empty]');
    if (empty && lines.length) empty.remove();
    if (dropped) this.box.append(el('div', { class: 'gap' }, `… ${dropped} lines skipped: the page could not keep up`));
    const frag = document.createDocumentFragment();
    let lastT = this.lines.length ? this.lines[this.lines.length - 1].t : -Infinity;
    for (const l of lines) {
      const row = this.row(l);
      if (l.t >= lastT) {
        frag.append(row);
        this.lines.push({ t: l.t, row });
        lastT = l.t;
        continue;
      }
      // Older than the newest shown: another container's line that came
      // late. Put it in its place.
      this.box.append(frag);
      const i = this.index(l.t);
      const before = this.lines[i] ? this.lines[i].row : null;
      this.box.insertBefore(row, before);
      this.lines.splice(i, 0, { t: l.t, row });
    }
    this.box.append(frag);
    const extra = this.lines.length - MAX_LINES;
    if (extra > 0) {
      for (const { row } of this.lines.splice(0, extra)) row.remove();
    }
    this.counted();
    if (this.follow) this.bottom();
  }

  index(t) {
    let lo = 0, hi = this.lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lines[mid].t <= t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  row(l) {
    const row = el('div', { class: 'ln' + (l.e ? ' err' : ''), 'data-service': l.s },
      el('span', { class: 't' }, fmtClock(l.t)),
      el('span', { class: 's' }, l.c.replace(/^.*?-(?=[^-]+-\d+$)/, '')),
      el('span', { class: 'l' }, l.l));
    row.children[1].style.color = `hsl(${hue(l.s)} 65% 62%)`;
    row.children[1].title = l.c;
    if (this.re) this.match(row);
    return row;
  }

  filter(text) {
    this.re = null;
    if (text) {
      const m = text.match(/^\/(.+)\/([i]*)$/);
      try {
        this.re = m ? new RegExp(m[1], m[2] || 'i') : new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
      } catch {
        this.re = null;
      }
    }
    for (const { row } of this.lines) this.match(row);
    this.counted();
  }

  // match hides a row that does not match the filter and marks what does.
  match(row) {
    const span = row.children[2];
    const text = span.textContent;
    if (!this.re) {
      row.classList.remove('hide');
      if (span.querySelector('mark')) span.textContent = text;
      return;
    }
    const re = new RegExp(this.re.source, this.re.flags.includes('g') ? this.re.flags : this.re.flags + 'g');
    const parts = [];
    let last = 0, m;
    while ((m = re.exec(text)) !== null) {
      if (m[0] === '') { re.lastIndex++; continue; }
      parts.push(text.slice(last, m.index), el('mark', {}, m[0]));
      last = m.index + m[0].length;
    }
    row.classList.toggle('hide', parts.length === 0);
    if (parts.length) span.replaceChildren(...parts, text.slice(last));
    else span.textContent = text;
  }

  counted() {
    const shown = this.re ? this.lines.filter(l => !l.row.classList.contains('hide')).length : this.lines.length;
    this.count.textContent = `${shown}${this.re ? ' matching of ' + this.lines.length : ''} lines (keeps the last ${MAX_LINES})`;
  }

  // save downloads the lines shown (the filter applies) as text.
  save() {
    const text = this.lines.filter(l => !l.row.classList.contains('hide'))
      .map(({ row }) => `${row.children[0].textContent} ${row.children[1].title} ${row.children[2].textContent}`).join('\n') + '\n';
    const a = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/plain' })), download: `${this.service || 'all'}-logs.txt` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  bottom() {
    this.box.scrollTop = this.box.scrollHeight;
  }
}
