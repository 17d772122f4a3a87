import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../src/clock.ts';
import { FetchError } from '../../src/errors.ts';
import type { HttpClient, HttpRequestOptions, HttpResponse } from '../../src/net/types.ts';

/** A request as the sink received it. */
export interface SinkRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/** What the sink answers; `hang` never answers (a timeout for the client). */
export type SinkReply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface HttpSink {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: SinkRequest[];
  /** Set the reply for the following requests (a function sees each request). */
  reply(r: SinkReply | ((req: SinkRequest) => SinkReply)): void;
  /** Resolves with the n-th request (0-based) once it has arrived. */
  request(n?: number): Promise<SinkRequest>;
  close(): Promise<void>;
}

/**
 * A local HTTP server that records each request and answers as told; for channel and
 * collector tests against the real wire format.
 *
 * @example
 * const sink = await startHttpSink(); sink.reply({ status: 429, headers: { 'retry-after': '7' } });
 */
export async function startHttpSink(): Promise<HttpSink> {
  const requests: SinkRequest[] = [];
  const waiters: { n: number; resolve: (r: SinkRequest) => void }[] = [];
  const hung: ServerResponse[] = [];
  let replyWith: SinkReply | ((req: SinkRequest) => SinkReply) = { status: 200, body: 'ok' };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://sink');
      const body = Buffer.concat(chunks).toString('utf8');
      const r: SinkRequest = {
        method: req.method ?? 'GET',
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        body,
        json: <T>() => JSON.parse(body) as T,
      };
      requests.push(r);
      for (const w of waiters.filter((x) => x.n < requests.length)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(requests[w.n] as SinkRequest);
      }
      const reply = typeof replyWith === 'function' ? replyWith(r) : replyWith;
      if (reply === 'hang') {
        hung.push(res);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply(r) {
      replyWith = r;
    },
    request(n = 0) {
      const r = requests[n];
      if (r) return Promise.resolve(r);
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A minimal `HttpClient` over `fetch` for tests: no retries, timeouts measured on the
 * injected clock (advance a FakeClock to fire them), statuses outside `acceptStatus`
 * thrown as `FetchError` like the real client.
 */
export function createTestHttpClient(opts: { clock: Clock; timeoutMs?: number }): HttpClient {
  const request = async (url: string, o: HttpRequestOptions = {}): Promise<HttpResponse> => {
    const u = new URL(url);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    const ctrl = new AbortController();
    const stopTimer = new AbortController();
    let timedOut = false;
    const timeoutMs = o.timeoutMs ?? opts.timeoutMs ?? 10_000;
    opts.clock.sleep(timeoutMs, stopTimer.signal).then(
      () => {
        timedOut = true;
        ctrl.abort(new Error('timeout'));
      },
      () => undefined,
    );
    const onAbort = () => ctrl.abort(o.signal?.reason);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await fetch(u, {
        method: o.method ?? 'GET',
        ...(o.headers ? { headers: o.headers } : {}),
        ...(o.body !== undefined ? { body: o.body } : {}),
        signal: ctrl.signal,
        redirect: 'follow',
      });
      const body = Buffer.from(await res.arrayBuffer());
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const accepted = o.acceptStatus
        ? o.acceptStatus.includes(res.status)
        : (res.status >= 200 && res.status < 300) || res.status === 304;
      if (!accepted) {
        const ra = headers['retry-after'];
        throw new FetchError(`HTTP ${res.status}`, {
          url,
          failure: 'status',
          status: res.status,
          ...(ra && /^\d+$/.test(ra) ? { retryAfterMs: Number(ra) * 1000 } : {}),
        });
      }
      return {
        url: res.url,
        status: res.status,
        headers,
        body,
        text: (charset?: string) => new TextDecoder(charset ?? 'utf-8').decode(body),
        json: <T>() => JSON.parse(body.toString('utf8')) as T,
      };
    } catch (err) {
      if (err instanceof FetchError) throw err;
      if (timedOut)
        throw new FetchError(`timeout after ${timeoutMs} ms`, { url, failure: 'timeout', cause: err });
      if (o.signal?.aborted) throw new FetchError('aborted', { url, failure: 'aborted', cause: err });
      throw new FetchError('connection failed', { url, failure: 'reset', cause: err });
    } finally {
      stopTimer.abort();
      o.signal?.removeEventListener('abort', onAbort);
    }
  };
  return { request, get: (url, o) => request(url, { ...o, method: 'GET' }) };
}
