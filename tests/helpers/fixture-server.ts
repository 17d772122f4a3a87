import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** The shared recordings, beside the repository (`../shared/fixtures`). */
export const fixturesDir = path.resolve(
  fileURLToPath(new URL('../..', import.meta.url)),
  '../shared/fixtures',
);
export const fixture = (rel: string) => readFileSync(path.join(fixturesDir, rel));

export interface Reply {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

/**
 * What can go wrong, served in place of the route's reply:
 * - `status`: that status (e.g. 429 with `retryAfter: '2'` or an HTTP date, 500, 503, 401);
 * - `timeout`: accept the request and never answer (the client's header timeout fires);
 * - `reset`: destroy the socket without a response (ECONNRESET);
 * - `truncated`: the route's real headers with its full Content-Length, half the body, then close;
 * - `malformed`: half the route's real body followed by garbage, complete and well framed;
 * - `html`: a 200 HTML page with the given body (a page where JSON was expected);
 * - `captcha` / `login-wall`: a realistic 200 HTML captcha or sign-in page;
 * - `empty`: 200 with the route's content-type and an empty body.
 */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string; headers?: Record<string, string> }
  | { kind: 'timeout' }
  | { kind: 'reset' }
  | { kind: 'truncated' }
  | { kind: 'malformed' }
  | { kind: 'html'; body: string }
  | { kind: 'captcha' }
  | { kind: 'login-wall' }
  | { kind: 'empty' };

/**
 * The fault matrix every collector must survive (tests/collectors/contract*.test.ts), with the
 * retry flag the typed error must carry.
 */
export const FAULT_MATRIX: readonly { name: string; fault: Fault; retry: boolean }[] = [
  { name: '429 with Retry-After', fault: { kind: 'status', status: 429, retryAfter: '0' }, retry: true },
  { name: '500', fault: { kind: 'status', status: 500 }, retry: true },
  { name: 'timeout', fault: { kind: 'timeout' }, retry: true },
  { name: 'connection reset', fault: { kind: 'reset' }, retry: true },
  { name: 'truncated body', fault: { kind: 'truncated' }, retry: true },
  { name: 'malformed body', fault: { kind: 'malformed' }, retry: false },
];

export const CAPTCHA_PAGE =
  '<!DOCTYPE html><html><head><title>Attention Required!</title></head><body><form id="challenge-form" action="/cdn-cgi/l/chk_captcha"><div class="g-recaptcha" data-sitekey="x"></div><p>Please complete the security check (CAPTCHA) to access this site.</p></form></body></html>';
export const LOGIN_PAGE =
  '<!DOCTYPE html><html><head><title>Log in</title></head><body><p>Please log in to continue.</p><form action="/login" method="post"><input name="username"><input name="password" type="password"></form></body></html>';

export interface Recorded {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: IncomingMessage['headers'];
  /** Request body as text (form posts, JSON bodies). */
  body: string;
}

export type Matcher = string | RegExp | ((pathAndQuery: string) => boolean);

export interface Route {
  method: string;
  match: Matcher;
  reply: Reply | ((req: IncomingMessage) => Reply);
}

/**
 * A local HTTP server (127.0.0.1, random port) that replays recorded platform responses and
 * injects faults. Routes match on method (`'*'` for any) and path+query: a string is an exact
 * path+query or, when it has no "?", a path; a RegExp or predicate sees the path+query. The most
 * recently added matching route wins, so a test can override a route for one case. Faults apply
 * first, to the next `times` matching requests (default 1), in the order they were added.
 * Every request is recorded (method, path+query, headers, body) for assertions.
 *
 * Reach it through the real HTTP client with `allowPrivate: ['127.0.0.0/8']` (see
 * `tests/helpers/collect.ts#testHttp`): the guard is exercised, not bypassed.
 *
 * @example
 * const srv = await startFixtureServer();
 * srv.route('GET', '/api/v1/search_by_date', { body: json, headers: { 'content-type': 'application/json' } });
 * srv.fault('/api/v1/search_by_date', { kind: 'status', status: 429, retryAfter: '0' }, 1);
 */
export interface FixtureServer {
  /** `http://127.0.0.1:<port>`; pass it as a collector's `baseUrl`. */
  url: string;
  requests: Recorded[];
  route(method: string, match: Matcher, reply: Route['reply']): void;
  fault(match: Matcher, fault: Fault, times?: number): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/** Whether a route or fault matcher matches a request's path+query. */
export function matches(m: Matcher, pathAndQuery: string): boolean {
  if (typeof m === 'function') return m(pathAndQuery);
  if (m instanceof RegExp) return m.test(pathAndQuery);
  return m.includes('?') ? pathAndQuery === m : pathAndQuery.split('?')[0] === m;
}

export async function startFixtureServer(): Promise<FixtureServer> {
  const routes: Route[] = [];
  let faults: { match: Matcher; fault: Fault; left: number }[] = [];
  const requests: Recorded[] = [];

  const send = (res: ServerResponse, r: Reply) => {
    const body =
      r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
    res.writeHead(r.status ?? 200, { 'content-length': String(body.length), ...r.headers });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(parts).toString('utf8')));
  });
  const handle = (req: IncomingMessage, res: ServerResponse, reqBody: string) => {
    const pq = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', url: pq, headers: req.headers, body: reqBody });
    const route = routes.find((r) => (r.method === '*' || r.method === req.method) && matches(r.match, pq));
    const f = faults.find((x) => x.left > 0 && matches(x.match, pq));
    if (f) {
      f.left--;
      const fault = f.fault;
      switch (fault.kind) {
        case 'status':
          return send(res, {
            status: fault.status,
            headers: {
              'content-type': 'text/plain',
              ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
              ...fault.headers,
            },
            body: fault.body ?? `status ${fault.status}`,
          });
        case 'timeout':
          return; // never answer; the client's timeout fires
        case 'reset':
          return req.socket.destroy();
        case 'html':
          return send(res, {
            status: 200,
            headers: { 'content-type': 'text/html; charset=utf-8' },
            body: fault.body,
          });
        case 'captcha':
        case 'login-wall':
          return send(res, {
            status: 200,
            headers: { 'content-type': 'text/html; charset=utf-8' },
            body: fault.kind === 'captcha' ? CAPTCHA_PAGE : LOGIN_PAGE,
          });
        case 'empty': {
          const r = route ? (typeof route.reply === 'function' ? route.reply(req) : route.reply) : {};
          const type = (r.headers?.['content-type'] as string | undefined) ?? 'application/json';
          return send(res, { status: 200, headers: { 'content-type': type }, body: '' });
        }
        case 'truncated':
        case 'malformed': {
          if (!route) return send(res, { status: 404, body: 'no route' });
          const r = typeof route.reply === 'function' ? route.reply(req) : route.reply;
          const full =
            r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
          const part = full.subarray(0, Math.max(1, Math.floor(full.length / 2)));
          if (fault.kind === 'malformed') {
            const headers = { ...r.headers };
            delete (headers as Record<string, unknown>)['content-encoding'];
            return send(res, {
              status: 200,
              headers,
              body: Buffer.concat([part, Buffer.from('\u0000}{<<garbage')]),
            });
          }
          res.writeHead(200, { ...r.headers, 'content-length': String(full.length) });
          res.write(part);
          return setTimeout(() => req.socket.destroy(), 5);
        }
      }
    }
    if (!route)
      return send(res, {
        status: 404,
        headers: { 'content-type': 'text/plain' },
        body: `no fixture for ${req.method} ${pq}`,
      });
    send(res, typeof route.reply === 'function' ? route.reply(req) : route.reply);
  };
  const { url, close } = await listenLocal(server);
  return {
    url,
    requests,
    route: (method, match, reply) => void routes.unshift({ method, match, reply }),
    fault: (match, fault, times = 1) => void faults.push({ match, fault, left: times }),
    clearFaults: () => {
      faults = [];
    },
    close,
  };
}

/** Listen on 127.0.0.1 (random port); `close` also drops open sockets (keep-alive, hung requests). */
async function listenLocal(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Interactions of a cassette as replies keyed by path+query: Betamax JSON (`interactions[]`,
 * `body.string` or `body.base64_string`), VCR.py YAML (`!!binary` bodies are the raw, still
 * compressed bytes: Content-Encoding is kept) and R vcr YAML (`http_interactions[]`, body
 * already decoded while the headers still say gzip: the header is dropped). Content-Length and
 * Transfer-Encoding are dropped; the server frames the body itself.
 */
export function cassette(rel: string): { method: string; pathAndQuery: string; reply: Reply }[] {
  const raw = fixture(rel).toString('utf8');
  const doc = rel.endsWith('.json')
    ? JSON.parse(raw)
    : parseYaml(raw, {
        customTags: [
          { tag: '!!binary', resolve: (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'base64') },
        ],
      } as never);
  const list = (doc.interactions ?? doc.http_interactions ?? []) as Record<string, unknown>[];
  return list.map((i) => {
    const req = i.request as { method: string; uri: string };
    const res = i.response as {
      status: { code: number } | number;
      headers?: Record<string, string[] | string>;
      body: { string?: string | Buffer; base64_string?: string };
    };
    const u = new URL(req.uri);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers ?? {}))
      headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    let body: string | Buffer =
      res.body.string ?? (res.body.base64_string ? Buffer.from(res.body.base64_string, 'base64') : '');
    // R vcr stores decoded bodies but keeps the gzip header; Betamax likewise for text bodies.
    if (typeof body === 'string') delete headers['content-encoding'];
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    if (Buffer.isBuffer(body) && !headers['content-encoding']) body = body.toString('utf8');
    return {
      method: req.method.toUpperCase(),
      pathAndQuery: u.pathname + u.search,
      reply: { status: typeof res.status === 'number' ? res.status : res.status.code, headers, body },
    };
  });
}

/**
 * Serve every interaction of a cassette: each on its exact path+query, and (unless
 * `exactOnly`) the last interaction of each path for any query. Origins are rewritten by
 * construction (only path+query is kept). Returns the interactions.
 *
 * @example
 * replayCassette(srv, 'mastodon/test_hashtag_tl.yaml');
 */
export function replayCassette(
  srv: FixtureServer,
  rel: string,
  opts: { exactOnly?: boolean } = {},
): ReturnType<typeof cassette> {
  const list = cassette(rel);
  if (!opts.exactOnly) for (const i of list) srv.route(i.method, i.pathAndQuery.split('?')[0]!, i.reply);
  // Added later, so exact matches win over the per-path fallbacks.
  for (const i of list) srv.route(i.method, (pq) => pq === i.pathAndQuery, i.reply);
  return list;
}

/** The Hacker News fixture array (`{url, reply}` on hn.algolia.com) as replies. */
export function hnFixtures(): { pathAndQuery: string; reply: Reply }[] {
  const list = JSON.parse(fixture('hackernews/fixtures.json').toString('utf8')) as {
    url: string;
    reply: unknown;
  }[];
  return list.map((r) => ({
    pathAndQuery: r.url,
    reply: { headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(r.reply) },
  }));
}

/**
 * A forward proxy (127.0.0.1, random port) for HTTPS_PROXY tests: tunnels CONNECT and forwards
 * absolute-form requests, recording each target as `host:port`.
 *
 * @example
 * const proxy = await startProxy();
 * createHttpClient({ proxy: proxy.url, allowPrivate: ['127.0.0.0/8'] });
 */
export async function startProxy(): Promise<{ url: string; targets: string[]; close(): Promise<void> }> {
  const targets: string[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/');
    targets.push(u.host);
    const up = request(u, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req, client, head) => {
    targets.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const up = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    const drop = () => {
      up.destroy();
      client.destroy();
    };
    up.on('error', drop);
    client.on('error', drop);
  });
  return { ...(await listenLocal(server)), targets };
}
