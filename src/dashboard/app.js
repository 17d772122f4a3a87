// Earshot dashboard. Every piece of untrusted text (post text, author names, titles) is set with
// textContent or as an attribute value; nothing is parsed as HTML. The CSP forbids inline script.
import { bar, volumeChart } from './charts.js';

const $ = (id) => document.getElementById(id);
const KEY = 'earshot.key';
const state = {
  key: sessionStorage.getItem(KEY),
  brand: null,
  brands: [],
  days: 7,
  es: null,
  streamRetry: undefined,
  feed: [],
};

/** Element with text children only: strings become text nodes. */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'className') el.className = v;
    else if (k === 'onclick') el.addEventListener('click', v);
    else if (k.startsWith('on')) throw new Error('event handlers are added with addEventListener');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return el;
}

class HttpError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, init = {}) {
  const res = await fetch(path, {
    ...init,
    headers: {
      authorization: `Bearer ${state.key}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.headers ?? {}),
    },
  });
  if (res.status === 401) {
    logout('Your key was refused: sign in again.');
    throw new HttpError(401);
  }
  const ct = res.headers.get('content-type') ?? '';
  const body = ct.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw new HttpError(res.status, body);
  return body;
}

const status = (msg) => {
  $('status').textContent = msg;
};
const win = () => {
  const to = new Date();
  const from = new Date(to.getTime() - state.days * 86_400_000);
  return `brand=${encodeURIComponent(state.brand)}&from=${from.toISOString()}&to=${to.toISOString()}`;
};

function logout(message) {
  sessionStorage.removeItem(KEY);
  state.key = null;
  clearTimeout(state.streamRetry);
  state.es?.close();
  state.es = null;
  $('app').hidden = true;
  $('controls').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message ?? '';
}

async function login(key) {
  state.key = key;
  try {
    const b = await api('/v1/brands');
    state.brands = b.data;
  } catch (e) {
    if (!(e instanceof HttpError && e.status === 401)) logout(`Sign-in failed: ${e.message}`);
    return;
  }
  sessionStorage.setItem(KEY, key);
  $('login').hidden = true;
  $('app').hidden = false;
  $('controls').hidden = false;
  const sel = $('brand');
  sel.replaceChildren(...state.brands.map((b) => h('option', { value: b.name }, b.name)));
  state.brand = state.brands[0]?.name ?? null;
  if (!state.brand) {
    status('No brands yet: add one in earshot.yaml or with POST /v1/brands.');
    return;
  }
  await refresh();
}

async function refresh() {
  status('Loading…');
  const jobs = [summary(), volume(), sov(), incidents(), feed(), kols(), topics(), segments(), sources()];
  const results = await Promise.allSettled(jobs);
  const failed = results.filter((r) => r.status === 'rejected');
  status(
    failed.length
      ? `Some panels failed: ${failed.map((f) => f.reason?.message).join('; ')}`
      : `Updated ${new Date().toLocaleTimeString()}`,
  );
  connectStream();
}

async function summary() {
  const s = await api(`/v1/analytics/summary?${win()}`);
  const c = s.current;
  const card = (label, value) =>
    h('div', { className: 'card' }, h('span', { className: 'muted' }, label), h('b', {}, value));
  $('summary').replaceChildren(
    card('Mentions 提及', c.total.toLocaleString()),
    card('Change vs previous 环比', s.change === null ? '—' : `${s.change > 0 ? '+' : ''}${s.change}%`),
    card('Net sentiment 净情感', c.net === null ? '—' : String(c.net)),
    card('Negative 负面', c.negative.toLocaleString()),
    card('Engagement 互动', c.engagement.toLocaleString()),
  );
}

async function volume() {
  const interval = state.days <= 2 ? 'hour' : 'day';
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const v = await api(`/v1/analytics/sentiment?${win()}&interval=${interval}&tz=${encodeURIComponent(tz)}`);
  $('volume-chart').replaceChildren(volumeChart(v.series));
}

async function sov() {
  const s = await api(`/v1/analytics/share-of-voice?${win()}`);
  const max = Math.max(1, ...s.brands.map((b) => b.share));
  $('sov').replaceChildren(
    ...s.brands.map((b) =>
      bar(b.name, b.share, max, b.isSubject ? '#0969da' : '#8c959f', `${b.share}% · net ${b.net ?? '—'}`),
    ),
    ...(s.untracked.length ? [h('p', { className: 'muted' }, `Not tracked: ${s.untracked.join(', ')}`)] : []),
  );
}

const LEVEL = { 1: 'critical 红', 2: 'high 橙', 3: 'medium 黄', 4: 'low 蓝' };

async function incidents() {
  const list = $('incidents');
  const st = $('incident-status').value;
  let r;
  try {
    r = await api(`/v1/incidents?limit=20${st ? `&status=${st}` : ''}`);
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) {
      list.replaceChildren(h('li', { className: 'muted' }, 'Alerting is not enabled on this server.'));
      return;
    }
    throw e;
  }
  if (r.data.length === 0) {
    list.replaceChildren(h('li', { className: 'muted' }, 'No incidents.'));
    return;
  }
  list.replaceChildren(
    ...r.data.map((i) => {
      const act = (verb, label) =>
        h(
          'button',
          {
            type: 'button',
            'data-action': verb,
            onclick: async (ev) => {
              ev.target.disabled = true;
              try {
                await api(`/v1/incidents/${encodeURIComponent(i.id)}/${verb}`, {
                  method: 'POST',
                  body: '{}',
                });
                await incidents();
              } catch (e) {
                status(`Could not ${verb}: ${e.message}`);
                ev.target.disabled = false;
              }
            },
          },
          label,
        );
      return h(
        'li',
        { 'data-incident': i.id, 'data-status': i.status },
        h('span', { className: `lvl lvl-${i.level}` }, LEVEL[i.level] ?? String(i.level)),
        h('span', { className: 'grow-text' }, i.title),
        h('span', { className: 'muted incident-status' }, i.status),
        i.status === 'open' ? act('ack', 'Acknowledge') : null,
        i.status !== 'resolved' ? act('resolve', 'Resolve') : null,
      );
    }),
  );
}

function mentionItem(m) {
  const sentiment =
    m.brands?.find((b) => b.name === state.brand)?.sentiment?.label ??
    m.brands?.find((b) => b.name === state.brand)?.sentiment ??
    m.sentiment?.label ??
    m.sentiment ??
    null;
  const author = m.author?.name ? `${m.author.name} (@${m.author.handle})` : `@${m.author?.handle ?? ''}`;
  const link =
    m.url && /^https?:\/\//i.test(m.url)
      ? h('a', { href: m.url, target: '_blank', rel: 'noopener noreferrer' }, 'open')
      : null;
  return h(
    'li',
    { 'data-mention': m.id, 'data-platform': m.platform, 'data-sentiment': sentiment ?? '' },
    h(
      'div',
      { className: 'meta' },
      h('span', { className: `s-${sentiment}` }, sentiment ?? 'unlabelled'),
      ` · ${m.platform} · `,
      h('span', { className: 'author' }, author),
      m.author?.followers ? ` · ${Number(m.author.followers).toLocaleString()} followers` : '',
      ` · ${new Date(m.publishedAt).toLocaleString()} `,
      link,
    ),
    m.title ? h('div', { className: 'title' }, m.title) : null,
    h('div', { className: 'text' }, m.text),
  );
}

function renderFeed() {
  const p = $('f-platform').value;
  const s = $('f-sentiment').value;
  const q = $('f-text').value.trim().toLowerCase();
  const shown = state.feed.filter(
    (m) =>
      (!p || m.platform === p) &&
      (!s || mentionItem(m).dataset.sentiment === s) &&
      (!q ||
        `${m.text} ${m.title ?? ''} ${m.author?.handle ?? ''} ${m.author?.name ?? ''}`
          .toLowerCase()
          .includes(q)),
  );
  $('feed').replaceChildren(...shown.slice(0, 200).map(mentionItem));
  const platforms = [...new Set(state.feed.map((m) => m.platform))].sort();
  const sel = $('f-platform');
  const cur = sel.value;
  sel.replaceChildren(
    h('option', { value: '' }, 'all platforms'),
    ...platforms.map((x) => h('option', { value: x }, x)),
  );
  sel.value = cur;
}

async function feed() {
  const r = await api(`/v1/mentions?brand=${encodeURIComponent(state.brand)}&limit=50`);
  state.feed = r.data;
  renderFeed();
}

/** Reconnection back-off of the live feed, ms; reset once a stream is open. */
let streamBackoff = 1000;

/**
 * Open the live feed. EventSource cannot send an Authorization header, and an API key must not
 * travel in a URL (logs, history): the key buys a short-lived, single-use stream token over a
 * normal authenticated POST, and the stream is opened with that. On any stream error a new token
 * is fetched (the old one is spent), with back-off; a revoked key signs the user out.
 */
async function connectStream() {
  state.es?.close();
  state.es = null;
  clearTimeout(state.streamRetry);
  const brand = state.brand;
  let token;
  try {
    token = (await api('/v1/stream/token', { method: 'POST' })).token;
  } catch (e) {
    if (!(e instanceof HttpError && e.status === 401)) retryStream();
    return;
  }
  if (!state.key || brand !== state.brand) return; // signed out or switched brand meanwhile
  const es = new EventSource(
    `/v1/stream?token=${encodeURIComponent(token)}&brand=${encodeURIComponent(state.brand)}`,
  );
  state.es = es;
  es.addEventListener('ready', () => {
    streamBackoff = 1000;
    $('live').textContent = 'live';
    $('live').className = 'badge on';
  });
  es.addEventListener('mention', (ev) => {
    const m = JSON.parse(ev.data);
    if (state.feed.some((x) => x.id === m.id)) return;
    state.feed.unshift(m);
    state.feed.length = Math.min(state.feed.length, 500);
    renderFeed();
  });
  es.addEventListener('incident', () => {
    incidents().catch(() => {});
  });
  es.addEventListener('unauthorized', () => {
    es.close();
    logout('Your key was revoked: sign in again.');
  });
  es.addEventListener('error', () => {
    if (state.es !== es) return;
    // The token is single-use: EventSource's own retry would be refused, so reconnect ourselves.
    es.close();
    state.es = null;
    $('live').textContent = 'reconnecting';
    $('live').className = 'badge';
    retryStream();
  });
}

function retryStream() {
  clearTimeout(state.streamRetry);
  state.streamRetry = setTimeout(() => {
    if (state.key) connectStream();
  }, streamBackoff);
  streamBackoff = Math.min(streamBackoff * 2, 30_000);
}

async function kols() {
  const r = await api(`/v1/analytics/top-authors?${win()}&sort=influence&limit=10`);
  $('kols').replaceChildren(
    ...(r.data.length
      ? r.data.map((a) =>
          h(
            'tr',
            {},
            h(
              'td',
              {},
              h('span', { className: 'author' }, a.name ?? a.handle),
              h('br'),
              h('span', { className: 'muted' }, `${a.platform} @${a.handle}`),
            ),
            h('td', {}, a.tier),
            h('td', {}, a.influence.toFixed(1)),
            h('td', {}, String(a.posts)),
            h(
              'td',
              {
                className:
                  a.stance === 'detractor' ? 's-negative' : a.stance === 'advocate' ? 's-positive' : '',
              },
              a.stance,
            ),
          ),
        )
      : [h('tr', {}, h('td', { colspan: 5, className: 'muted' }, 'No authors in this window.'))]),
  );
}

async function topics() {
  const r = await api(`/v1/analytics/topics?${win()}&limit=8`);
  const max = Math.max(1, ...r.top.map((t) => t.mentions));
  $('topics').replaceChildren(
    ...r.top.map((t) => bar(t.topic, t.mentions, max, '#0969da', `${t.mentions} (${t.negative} neg)`)),
    h('h3', { className: 'muted' }, 'Emerging 新兴'),
    ...(r.emerging.length
      ? r.emerging.map((t) => h('div', {}, `${t.topic} ×${t.growth}${t.isNew ? ' new' : ''}`))
      : [h('div', { className: 'muted' }, 'none')]),
  );
}

async function segments() {
  const names = [
    ['advocates', 'Advocates 拥护者'],
    ['detractors', 'Detractors 批评者'],
    ['at-risk', 'At risk 流失风险'],
    ['kols', 'KOLs'],
  ];
  const rows = await Promise.all(
    names.map(async ([n, label]) => {
      const r = await api(`/v1/segments/${n}/members?limit=1000`);
      const download = h(
        'button',
        {
          type: 'button',
          onclick: async () => {
            const csv = await api(`/v1/segments/${n}/members?format=csv&limit=100000`);
            const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
            const a = h('a', { href: url, download: `${n}.csv` });
            document.body.append(a);
            a.click();
            a.remove();
            URL.revokeObjectURL(url);
          },
        },
        'CSV',
      );
      return h(
        'li',
        { 'data-segment': n },
        h('span', { className: 'grow-text' }, label),
        h('b', {}, String(r.data.length)),
        download,
      );
    }),
  );
  $('segments').replaceChildren(...rows);
}

async function sources() {
  const r = await api('/v1/analytics/sources');
  $('sources').replaceChildren(
    ...(r.sources.length
      ? r.sources.map((s) =>
          h(
            'li',
            {},
            h(
              'span',
              {
                className:
                  s.state === 'ok'
                    ? 's-positive'
                    : s.state === 'failing' || s.state === 'blocked'
                      ? 's-negative'
                      : 'muted',
              },
              s.state,
            ),
            h('span', { className: 'grow-text' }, `${s.name} (${s.type})`),
            h(
              'span',
              { className: 'muted' },
              s.lagSeconds === null ? 'no data' : `lag ${Math.round(s.lagSeconds / 60)} min`,
            ),
          ),
        )
      : [h('li', { className: 'muted' }, 'No sources configured.')]),
  );
}

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  login($('key').value.trim());
});
$('logout').addEventListener('click', () => logout());
$('refresh').addEventListener('click', () => refresh());
$('brand').addEventListener('change', (ev) => {
  state.brand = ev.target.value;
  refresh();
});
$('window').addEventListener('change', (ev) => {
  state.days = Number(ev.target.value);
  refresh();
});
$('incident-status').addEventListener('change', () => incidents().catch((e) => status(e.message)));
for (const id of ['f-platform', 'f-sentiment', 'f-text']) $(id).addEventListener('input', renderFeed);

if (state.key) login(state.key);
else logout();
