import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/config/load.ts';
import { EarshotError, FetchError } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { isAddressAllowed } from '../../src/net/guard.ts';
import { createHttpClient } from '../../src/net/http.ts';
import { rateLimitWaitMs } from '../../src/net/rate-limit.ts';
import { productionPlugins } from '../../src/registry.ts';
import { recordingClock, testHttp } from '../helpers/collect.ts';
import { type FixtureServer, startFixtureServer, startProxy } from '../helpers/fixture-server.ts';

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  srv.route('GET', '/ok', { headers: { 'content-type': 'application/json' }, body: '{"ok":true}' });
  srv.route('GET', '/big', { body: 'x'.repeat(5000) });
});
afterAll(() => srv.close());

describe('private-address guard', () => {
  it('classifies addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '192.168.0.1',
      '172.16.5.4',
      '169.254.169.254',
      '100.64.0.1',
      '::1',
      'fc00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '0.0.0.0',
      '224.0.0.1',
    ]) {
      expect(isAddressAllowed(ip), ip).toBe(false);
    }
    for (const ip of ['93.184.216.34', '2606:2800:220:1::1']) expect(isAddressAllowed(ip), ip).toBe(true);
    expect(isAddressAllowed('127.0.0.1', ['127.0.0.0/8'])).toBe(true);
    expect(isAddressAllowed('10.0.0.1', ['127.0.0.0/8'])).toBe(false);
  });

  it('refuses loopback by name and by literal at connect time unless allowed', async () => {
    const http = createHttpClient({ retries: 0 });
    const port = new URL(srv.url).port;
    for (const host of ['localhost', '127.0.0.1']) {
      const err = await http.get(`http://${host}:${port}/ok`).catch((e) => e);
      expect(err).toBeInstanceOf(EarshotError);
      expect(err.code).toBe('BLOCKED_ADDRESS');
      expect(err.retry).toBe(false);
    }
    const allowed = createHttpClient({ retries: 0, allowPrivate: ['127.0.0.0/8'] });
    expect((await allowed.get(`http://localhost:${port}/ok`)).json()).toEqual({ ok: true });
    const perSource = createHttpClient({ retries: 0, allowPrivateNetwork: true });
    expect((await perSource.get(`${srv.url}/ok`)).status).toBe(200);
  });
});

describe('retries and faults', () => {
  it('retries 429 honouring Retry-After, then succeeds', async () => {
    const clock = recordingClock();
    const http = testHttp({ clock, retries: 2, maxRetryWaitMs: 120_000 });
    srv.fault('/ok', { kind: 'status', status: 429, retryAfter: '30' }, 1);
    expect((await http.get(`${srv.url}/ok`)).json()).toEqual({ ok: true });
    expect(clock.slept).toContain(30_000);
  });

  it('retries 5xx and resets with backoff; gives up with a retryable FetchError', async () => {
    const http = testHttp({ retries: 2 });
    srv.fault('/ok', { kind: 'status', status: 503 }, 1);
    srv.fault('/ok', { kind: 'reset' }, 1);
    expect((await http.get(`${srv.url}/ok`)).status).toBe(200);
    srv.fault('/ok', { kind: 'status', status: 500 }, 5);
    const err = await http.get(`${srv.url}/ok`).catch((e) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect(err).toMatchObject({ status: 500, retry: true });
    srv.clearFaults();
  });

  it('never retries other 4xx', async () => {
    const http = testHttp({ retries: 3 });
    const before = srv.requests.length;
    srv.fault('/ok', { kind: 'status', status: 403 }, 1);
    const err = await http.get(`${srv.url}/ok`).catch((e) => e);
    expect(err).toMatchObject({ status: 403, retry: false });
    expect(srv.requests.length - before).toBe(1);
  });

  it('types timeouts, truncated bodies and oversized bodies', async () => {
    const http = testHttp({ timeouts: { headersMs: 150, bodyMs: 150 } });
    srv.fault('/ok', { kind: 'timeout' }, 1);
    expect(await http.get(`${srv.url}/ok`).catch((e) => e)).toMatchObject({
      failure: 'timeout',
      retry: true,
    });
    srv.fault('/ok', { kind: 'truncated' }, 1);
    expect(await http.get(`${srv.url}/ok`).catch((e) => e)).toMatchObject({
      failure: 'truncated',
      retry: true,
    });
    expect(
      await testHttp({ maxBytes: 1000 })
        .get(`${srv.url}/big`)
        .catch((e) => e),
    ).toMatchObject({ failure: 'too-large', retry: false });
  });

  it('opens the circuit after consecutive failures', async () => {
    const http = testHttp({ breaker: { failures: 2, coolDownMs: 60_000 } });
    srv.fault('/ok', { kind: 'status', status: 502 }, 2);
    await http.get(`${srv.url}/ok`).catch(() => {});
    await http.get(`${srv.url}/ok`).catch(() => {});
    const err = await http.get(`${srv.url}/ok`).catch((e) => e);
    expect(err).toMatchObject({ code: 'CIRCUIT_OPEN' });
  });
});

describe('rate-limit headers', () => {
  const now = Date.parse('2026-11-25T08:00:00Z');
  it('reads Retry-After as seconds or a date', () => {
    expect(rateLimitWaitMs({ 'retry-after': '7' }, now)).toBe(7000);
    expect(rateLimitWaitMs({ 'retry-after': 'Wed, 25 Nov 2026 08:01:00 GMT' }, now)).toBe(60_000);
  });
  it('reads exhausted budgets from Reddit, X, Mastodon and IETF headers', () => {
    expect(rateLimitWaitMs({ 'x-ratelimit-remaining': '0.0', 'x-ratelimit-reset': '525' }, now)).toBe(
      525_000,
    );
    expect(
      rateLimitWaitMs({ 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(now / 1000 + 90) }, now),
    ).toBe(90_000);
    expect(
      rateLimitWaitMs({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2026-11-25T08:05:00.000Z' }, now),
    ).toBe(300_000);
    expect(rateLimitWaitMs({ 'ratelimit-remaining': '0', 'ratelimit-reset': '12' }, now)).toBe(12_000);
    expect(
      rateLimitWaitMs({ 'x-ratelimit-remaining': '599.0', 'x-ratelimit-reset': '525' }, now),
    ).toBeUndefined();
  });
});

describe('HTTPS_PROXY', () => {
  it('sends requests through the proxy, and still refuses private names unless allowed', async () => {
    const proxy = await startProxy();
    try {
      const port = new URL(srv.url).port;
      const http = createHttpClient({ retries: 0, proxy: proxy.url, allowPrivate: ['127.0.0.0/8'] });
      expect((await http.get(`${srv.url}/ok`)).json()).toEqual({ ok: true });
      expect(proxy.targets).toEqual([`127.0.0.1:${port}`]);
      // Through a proxy the name is resolved by us before the request: localhost is refused.
      const strict = createHttpClient({ retries: 0, proxy: proxy.url });
      const err = await strict.get(`http://localhost:${port}/ok`).catch((e) => e);
      expect(err).toMatchObject({ code: 'BLOCKED_ADDRESS' });
      expect(proxy.targets).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('is read from the environment and handed to every source client by the registry', async () => {
    expect(readEnv({ HTTPS_PROXY: 'http://proxy.internal:3128' }).httpsProxy).toBe(
      'http://proxy.internal:3128',
    );
    expect(readEnv({ https_proxy: 'http://p:1' }).httpsProxy).toBe('http://p:1');
    const proxy = await startProxy();
    try {
      const http = productionPlugins().httpFactory({
        scope: 'source:test',
        allowPrivate: ['127.0.0.0/8'],
        proxy: proxy.url,
        clock: recordingClock(),
        log: silentLogger(),
      });
      expect((await http.get(`${srv.url}/ok`)).status).toBe(200);
      expect(proxy.targets).toEqual([`127.0.0.1:${new URL(srv.url).port}`]);
    } finally {
      await proxy.close();
    }
  });
});

describe('the request itself', () => {
  it('sends a versioned User-Agent and decodes gzip and br bodies', async () => {
    const { gzipSync, brotliCompressSync } = await import('node:zlib');
    srv.route('GET', '/gz', {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync('{"z":"gzip"}'),
    });
    srv.route('GET', '/br', {
      headers: { 'content-type': 'application/json', 'content-encoding': 'br' },
      body: brotliCompressSync('{"z":"br"}'),
    });
    const http = testHttp();
    expect((await http.get(`${srv.url}/gz`)).json()).toEqual({ z: 'gzip' });
    expect((await http.get(`${srv.url}/br`)).json()).toEqual({ z: 'br' });
    const req = srv.requests.at(-1)!;
    expect(req.headers['user-agent']).toMatch(
      /^Earshot\/\d+\.\d+\.\d+ \(\+https?:\/\/\S+; social listening\)$/,
    );
    expect(req.headers['accept-encoding']).toContain('br');
  });

  it('backs off exponentially with jitter between retries', async () => {
    const clock = recordingClock();
    const http = testHttp({ clock, retries: 3, backoffBaseMs: 100, maxRetryWaitMs: 10_000, random: () => 0 });
    srv.fault('/ok', { kind: 'status', status: 502 }, 3);
    expect((await http.get(`${srv.url}/ok`)).status).toBe(200);
    // base * 2^(attempt-1), scaled by a jitter factor in [0.5, 1): 0.5 here.
    expect(clock.slept).toEqual([50, 100, 200]);
  });

  it('paces a host from the rate-limit headers it answers with (Reddit cassette headers)', async () => {
    const clock = recordingClock();
    srv.route('GET', '/limited', {
      headers: {
        'content-type': 'application/json',
        'x-ratelimit-used': '590',
        'x-ratelimit-remaining': '10.0',
        'x-ratelimit-reset': '60',
      },
      body: '{}',
    });
    const http = createHttpClient({
      clock,
      allowPrivate: ['127.0.0.0/8'],
      retries: 0,
      hostLimits: { [new URL(srv.url).host]: { perMinute: 100, concurrency: 1 } },
    });
    await http.get(`${srv.url}/limited`);
    const host = http.stats().hosts[new URL(srv.url).host]!;
    // 10 requests left for 60 s: paced at 10 a minute, below the seeded 100.
    expect(host.perMinute).toBe(10);
    expect(host.lastRateLimit).toMatchObject({ limit: 600, remaining: 10 });
  });
});
