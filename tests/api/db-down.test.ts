import { createServer, type Server, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../db/client.ts';
import { createApp } from '../../src/api/app.ts';
import { syncConfig } from '../../src/config/sync.ts';
import { makeDeps, makeKey, makeMention } from '../helpers/harness.ts';
import { openTestDb, testDbKind } from '../helpers/pg.ts';
import { envelope } from './harness.ts';

const config = { brands: [{ name: 'Acme', query: '"acme"' }] };

/** A TCP proxy in front of PostgreSQL that can stop answering (black hole) or go away (refused). */
async function pgProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let mode: 'pass' | 'blackhole' = 'pass';
  const server: Server = createServer((client) => {
    sockets.add(client);
    const upstream = new Socket();
    sockets.add(upstream);
    upstream.connect(target.port, target.host);
    client.on('data', (d) => {
      if (mode === 'pass') upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (mode === 'pass') client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    listening: () => server.listening,
    blackhole() {
      mode = 'blackhole';
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

const ingestOne = (app: ReturnType<typeof createApp>, key: string) =>
  app.request('/v1/ingest', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify([makeMention({ text: 'acme' })]),
  });

describe('database down', () => {
  it.runIf(testDbKind() === 'pglite')(
    'a closed embedded database: /readyz and /v1/ingest answer 503 with Retry-After',
    async () => {
      const h = await openTestDb('pglite');
      const deps = await makeDeps({ handle: h, config });
      await syncConfig(deps);
      const key = await makeKey(deps, 'editor');
      const app = createApp(deps);
      await h.close();
      const ready = await app.request('/readyz');
      expect((await envelope(ready, 503)).code).toBe('SERVICE_UNAVAILABLE');
      expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
      const ingest = await ingestOne(app, key);
      expect((await envelope(ingest, 503)).code).toBe('SERVICE_UNAVAILABLE');
      expect(ingest.headers.get('retry-after')).toMatch(/^\d+$/);
    },
  );

  it.runIf(testDbKind() === 'postgres')(
    'PostgreSQL that hangs: /readyz answers 503 within its deadline; PostgreSQL that is gone: /v1/ingest answers 503',
    async () => {
      const real = await openTestDb('postgres');
      const o = (
        real.client as unknown as {
          options: { host: string[]; port: number[]; database: string; user: string };
        }
      ).options;
      const proxy = await pgProxy({ host: o.host[0]!, port: o.port[0]! });
      const h = await openDb({ url: `postgres://${o.user}@127.0.0.1:${proxy.port}/${o.database}`, max: 2 });
      try {
        const deps = await makeDeps({ handle: h, config });
        await syncConfig(deps);
        const key = await makeKey(deps, 'editor');
        const app = createApp(deps, { readinessTimeoutMs: 150 });
        expect((await app.request('/readyz')).status).toBe(200);

        proxy.blackhole();
        const started = Date.now();
        const ready = await app.request('/readyz');
        expect((await envelope(ready, 503)).code).toBe('SERVICE_UNAVAILABLE');
        expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(Date.now() - started).toBeLessThan(5_000);

        await proxy.stop();
        const ingest = await ingestOne(app, key);
        expect((await envelope(ingest, 503)).code).toBe('SERVICE_UNAVAILABLE');
        expect(ingest.headers.get('retry-after')).toMatch(/^\d+$/);
      } finally {
        // Connections to the vanished server cannot end politely: drop them.
        await (h.client as unknown as { end(o: { timeout: number }): Promise<void> }).end({ timeout: 0 });
        if (proxy.listening()) await proxy.stop();
        await real.close();
      }
    },
  );
});
