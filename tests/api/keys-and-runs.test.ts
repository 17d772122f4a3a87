import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAlertEngine } from '../../alerts/engine.ts';
import { defineCollector } from '../../collectors/types.ts';
import type { DbHandle } from '../../db/client.ts';
import { auditLog, incidents, sourceRuns } from '../../db/schema/index.ts';
import { createApp } from '../../src/api/app.ts';
import type { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { makeDeps, makeKey, makeMention } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

/** A source whose run waits for the test to release it, then yields one page. */
const gate = { release: () => {}, wait: Promise.resolve() };
const held = defineCollector({
  id: 'held',
  description: 'yields one page when released',
  options: z.object({}),
  defaultSchedule: '0 0 1 1 *',
  async *collect() {
    await gate.wait;
    yield {
      mentions: [
        makeMention({
          text: 'acme is awful, the lid melted',
          author: { handle: 'star', followers: 3_000_000, verified: true },
        }),
      ],
      cursor: { done: true },
    };
  },
});

let h: DbHandle;
let deps: Deps;
let app: ReturnType<typeof createApp>;
let admin: string;
let editor: string;
let viewer: string;

beforeAll(async () => {
  h = await openTestDb('pglite');
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await truncateAll(h);
  deps = await makeDeps({
    handle: h,
    collectors: [held],
    classifiers: [
      {
        id: 'neg',
        version: '1',
        description: 'awful is negative',
        options: z.object({}),
        produces: ['sentiment'],
        classify: (_c, inputs) =>
          inputs.map((i) => ({
            sentiment: /awful/.test(i.text)
              ? { label: 'negative' as const, score: -0.8, confidence: 0.9 }
              : { label: 'neutral' as const, score: 0, confidence: 0.9 },
          })),
      },
    ],
    config: {
      brands: [{ name: 'Acme', query: 'acme' }],
      sources: [{ name: 'held-source', type: 'held', options: {} }],
    },
  });
  await syncConfig(deps);
  app = createApp(deps);
  [admin, editor, viewer] = await Promise.all([
    makeKey(deps, 'admin'),
    makeKey(deps, 'editor'),
    makeKey(deps, 'viewer'),
  ]);
});

const call = (method: string, path: string, key?: string, payload?: unknown) =>
  app.request(path, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
const body = async (r: Promise<Response> | Response): Promise<any> => (await r).json();

describe('/v1/keys (admin)', () => {
  it('create shows the key once; it authenticates; list never shows it; revoke refuses it; all audited', async () => {
    const created = await call('POST', '/v1/keys', admin, { name: 'dashboard', role: 'viewer' });
    expect(created.status).toBe(201);
    const k = await body(created);
    expect(k).toMatchObject({
      name: 'dashboard',
      role: 'viewer',
      revokedAt: null,
      key: expect.stringMatching(/^esk_/),
    });
    expect((await call('GET', '/v1/brands', k.key)).status).toBe(200);

    const listed = await body(call('GET', '/v1/keys', admin));
    const mine = listed.data.find((x: { id: string }) => x.id === k.id);
    expect(mine).toMatchObject({ name: 'dashboard', prefix: k.key.slice(0, 10) });
    expect(JSON.stringify(listed)).not.toContain(k.key);

    const revoked = await call('DELETE', `/v1/keys/${k.id}`, admin);
    expect(revoked.status).toBe(200);
    expect((await body(revoked)).revokedAt).not.toBeNull();
    expect((await call('DELETE', `/v1/keys/${k.id}`, admin)).status).toBe(404);
    // Refused once the authenticator's few-second cache has passed.
    (deps.clock as FakeClock).set(deps.clock.now().getTime() + 10_000);
    expect((await call('GET', '/v1/brands', k.key)).status).toBe(401);
    expect((await body(call('GET', '/v1/keys', admin))).data.map((x: { id: string }) => x.id)).not.toContain(
      k.id,
    );
    expect(
      (await body(call('GET', '/v1/keys?all=true', admin))).data.map((x: { id: string }) => x.id),
    ).toContain(k.id);

    const audit = await deps.db.select().from(auditLog).where(eq(auditLog.entityId, k.id));
    expect(audit.map((a) => a.action).sort()).toEqual(['key.create', 'key.revoke']);
    expect(JSON.stringify(audit)).not.toContain(k.key);
  });

  it('401 without a key, 403 for editors and viewers, 400 naming the field', async () => {
    expect((await call('GET', '/v1/keys')).status).toBe(401);
    for (const key of [editor, viewer]) {
      expect((await call('GET', '/v1/keys', key)).status).toBe(403);
      expect((await call('POST', '/v1/keys', key, { name: 'x', role: 'admin' })).status).toBe(403);
    }
    const bad = await body(call('POST', '/v1/keys', admin, { name: 'x', role: 'owner' }));
    expect(bad.error).toMatchObject({ code: 'BAD_REQUEST', field: 'role' });
  });
});

describe('POST /v1/sources/{id}/run (editor)', () => {
  it('answers with the running run at once; a second call joins it; the run stores and alerts', async () => {
    let release = () => {};
    gate.wait = new Promise<void>((r) => {
      release = r;
    });
    const engine = createAlertEngine(deps);
    engine.listen();
    const first = await call('POST', '/v1/sources/held-source/run', editor);
    expect(first.status).toBe(202);
    const run = await body(first);
    expect(run).toMatchObject({ status: 'running', joined: false, id: expect.stringMatching(/^run_/) });
    const again = await body(call('POST', '/v1/sources/held-source/run', admin));
    expect(again).toMatchObject({ id: run.id, joined: true, status: 'running' });
    expect(await deps.db.select().from(sourceRuns)).toHaveLength(1);

    release();
    await deps.activeRuns.get(run.sourceId)?.done;
    const done = await body(call('GET', `/v1/sources/held-source/runs/${run.id}`, viewer));
    expect(done).toMatchObject({ status: 'ok', stored: 1, error: null });
    expect((await body(call('GET', '/v1/sources/held-source/runs', viewer))).data).toHaveLength(1);
    await engine.idle();
    expect((await deps.db.select().from(incidents)).map((i) => i.rule)).toEqual(['influential-negative']);
    await engine.stop();
  });

  it('403 for a viewer, 401 without a key, 404 for an unknown source or run', async () => {
    expect((await call('POST', '/v1/sources/held-source/run', viewer)).status).toBe(403);
    expect((await call('POST', '/v1/sources/held-source/run')).status).toBe(401);
    expect((await call('POST', '/v1/sources/nope/run', editor)).status).toBe(404);
    expect((await call('GET', '/v1/sources/held-source/runs/run_nope', editor)).status).toBe(404);
    const doc = await body(call('GET', '/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/keys',
        '/v1/keys/{id}',
        '/v1/sources/{id}/run',
        '/v1/sources/{id}/runs/{runId}',
      ]),
    );
    expect(Object.keys(doc.paths['/v1/sources/{id}/run'].post.responses)).toEqual(
      expect.arrayContaining(['202', '401', '403', '404']),
    );
  });
});
