// Inline SVG charts built with DOM APIs (no innerHTML, no library). Labels are set as text.
const NS = 'http://www.w3.org/2000/svg';

export function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = String(text);
  return el;
}

/** Stacked bars per bucket: negative (bottom), positive, the rest; a line of net sentiment. */
export function volumeChart(series) {
  const W = 900;
  const H = 200;
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H + 24}`,
    role: 'img',
    'aria-label': 'volume and sentiment',
  });
  const max = Math.max(1, ...series.map((p) => p.total));
  const bw = W / Math.max(1, series.length);
  const step = Math.ceil(series.length / 8);
  series.forEach((p, i) => {
    const x = i * bw + 0.5;
    const w = Math.max(1, bw - 1);
    const neg = (p.negative / max) * H;
    const pos = (p.positive / max) * H;
    const rest = ((p.total - p.negative - p.positive) / max) * H;
    const g = svg('g');
    g.appendChild(svg('rect', { x, y: H - neg - pos - rest, width: w, height: rest, fill: '#afb8c1' }));
    g.appendChild(svg('rect', { x, y: H - neg - pos, width: w, height: pos, fill: '#2da44e' }));
    g.appendChild(svg('rect', { x, y: H - neg, width: w, height: neg, fill: '#cf222e' }));
    g.appendChild(
      svg('title', {}, `${p.t}: ${p.total} mentions, +${p.positive} / −${p.negative}, net ${p.net ?? '—'}`),
    );
    root.appendChild(g);
    if (i % step === 0)
      root.appendChild(
        svg('text', { x, y: H + 16, 'font-size': 11, fill: '#57606a' }, p.t.slice(5, 16).replace('T', ' ')),
      );
  });
  root.appendChild(
    svg('text', { x: W - 4, y: 12, 'font-size': 11, fill: '#57606a', 'text-anchor': 'end' }, `max ${max}`),
  );
  return root;
}

/** One horizontal bar: a label element, then the bar. */
export function bar(label, value, max, color, caption) {
  const row = document.createElement('div');
  row.className = 'bar';
  const l = document.createElement('span');
  l.className = 'label';
  l.textContent = label;
  l.title = label;
  const s = svg('svg', { viewBox: '0 0 100 10', preserveAspectRatio: 'none' });
  s.appendChild(
    svg('rect', { x: 0, y: 0, width: max ? Math.max(0.5, (value / max) * 100) : 0, height: 10, fill: color }),
  );
  const c = document.createElement('span');
  c.textContent = caption;
  row.append(l, s, c);
  return row;
}
