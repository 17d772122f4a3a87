import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'timeout' }
  | { kind: 'reset' }
  | { kind: 'truncated' }
  | { kind: 'malformed' }
  | { kind: 'html'; body: string };

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

type Matcher = string | RegExp | ((pathAndQuery: string) => boolean);

interface Route {
  method: string;
  match: Matcher;
  reply: Reply | ((req: IncomingMessage) => Reply);
}

/**
 * A local HTTP server (127.0.0.1, random port) that replays recorded platform responses and
 * injects faults. Routes match on method and path+query (a string is an exact path+query or,
 * when it has no "?", a path). Faults apply to the next `times` matching requests first.
 *
 * @example
 * const srv = await startFixtureServer();
 * srv.route('GET', '/api/v1/search_by_date', { body: json, headers: { 'content-type': 'application/json' } });
 * srv.fault('/api/v1/search_by_date', { kind: 'status', status: 429, retryAfter: '0' }, 1);
 */
export interface FixtureServer {
  url: string;
  requests: Recorded[];
  route(method: string, match: Matcher, reply: Route['reply']): void;
  fault(match: Matcher, fault: Fault, times?: number): void;
  clearFaults(): void;
  close(): Promise<void>;
}

function matches(m: Matcher, pathAndQuery: string): boolean {
  if (typeof m === 'function') return m(pathAndQuery);
  if (m instanceof RegExp) return m.test(pathAndQuery);
  return m.includes('?') ? pathAndQuery === m : pathAndQuery.split('?')[0] === m;
}

export async function startFixtureServer(): Promise<FixtureServer> {
  const routes: Route[] = [];
  let faults: { match: Matcher; fault: Fault; left: number }[] = [];
  const requests: Recorded[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const send = (res: ServerResponse, r: Reply) => {
    const body =
      r.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
    res.writeHead(r.status ?? 200, { 'content-length': String(body.length), ...r.headers });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const pq = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', url: pq, headers: req.headers });
    const route = routes.find((r) => r.method === req.method && matches(r.match, pq));
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
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route: (method, match, reply) => void routes.unshift({ method, match, reply }),
    fault: (match, fault, times = 1) => void faults.push({ match, fault, left: times }),
    clearFaults: () => {
      faults = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Interactions of a VCR.py / Betamax / R vcr cassette as replies keyed by path+query. */
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
