import { asc, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AlertEngine, createAlertEngine } from '../../alerts/engine.ts';
import type { AlertMessage } from '../../alerts/types.ts';
import { defineClassifier } from '../../classifiers/types.ts';
import type { DbHandle } from '../../db/client.ts';
import { auditLog, outbox } from '../../db/schema/index.ts';
import { createApp } from '../../src/api/app.ts';
import { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import type { CommittedBatch } from '../../src/pipeline/ingest.ts';
import { makeDeps, makeKey, makeMention } from '../helpers/harness.ts';
import { createTestHttpClient, type HttpSink, startHttpSink } from '../helpers/http-sink.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

const negative = defineClassifier({
  id: 'fake-negative',
  version: '1',
  description: 'negative when "awful"',
  options: z.object({}),
  produces: ['sentiment'],
  classify: (_ctx, inputs) =>
    inputs.map((i) => ({
      sentiment: /awful/.test(i.text)
        ? { label: 'negative' as const, score: -0.8, confidence: 0.9 }
        : { label: 'positive' as const, score: 0.5, confidence: 0.9 },
    })),
});

const T0 = new Date('2026-11-25T08:00:00Z');
let h: DbHandle;
let sink: HttpSink;
let clock: FakeClock;
let deps: Deps;
let engine: AlertEngine;
let app: ReturnType<typeof createApp>;
let editor: string;
let viewer: string;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
const body = async (r: Promise<Response> | Response): Promise<any> => (await r).json();
const call = (method: string, path: string, key?: string, payload?: unknown) =>
  app.request(path, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });

beforeAll(async () => {
  h = await openTestDb();
  sink = await startHttpSink();
});
afterAll(async () => {
  await sink.close();
  await h.close();
});
beforeEach(async () => {
  await truncateAll(h);
  sink.reply({ status: 200 });
  clock = new FakeClock(T0);
  deps = await makeDeps({
    handle: h,
    clock,
    classifiers: [negative],
    httpFactory: () => createTestHttpClient({ clock }),
    config: {
      brands: [{ name: 'Acme', query: 'acme' }],
      alerts: {
        channels: [{ name: 'ops', type: 'webhook', options: { url: `${sink.url}/ops` } }],
        ackLinkTtl: '1h',
      },
    },
  });
  await syncConfig(deps);
  const batches: CommittedBatch[] = [];
  deps.events.on('mentions', (b) => batches.push(b));
  engine = createAlertEngine(deps, { publicUrl: 'https://earshot.example' });
  app = createApp(deps);
  [editor, viewer] = await Promise.all([makeKey(deps, 'editor'), makeKey(deps, 'viewer')]);
  const items = Array.from({ length: 25 }, (_, i) =>
    makeMention({
      text: `acme awful ${i}`,
      publishedAt: new Date(T0.getTime() - i * 1000).toISOString(),
      author: { handle: `u${i}`, followers: 10 * i },
    }),
  );
  await deps.pipeline.processBatch(items, { origin: 'test' });
  await engine.evaluate(batches.at(-1)!);
});
afterEach(async () => {
  await engine.stop();
});

const firstIncident = async () => (await body(call('GET', '/v1/incidents', viewer))).data[0];
const ackPath = async () => {
  const [row] = await deps.db.select().from(outbox).orderBy(asc(outbox.seq)).limit(1);
  const url = (row!.payload as unknown as AlertMessage).incident!.ackUrl!;
  return new URL(url).pathname;
};

describe('incidents API', () => {
  it('lists with filters and cursor pagination, and shows factors, mentions and timeline', async () => {
    const list = await body(call('GET', '/v1/incidents?status=open&brand=Acme&level=4', viewer));
    expect(list.data).toHaveLength(1);
    expect(list.nextCursor).toBeNull();
    expect((await body(call('GET', '/v1/incidents?status=resolved', viewer))).data).toHaveLength(0);
    const page = await body(call('GET', '/v1/incidents?limit=1', viewer));
    expect(page.data).toHaveLength(1);
    const id = list.data[0].id;
    const detail = await body(call('GET', `/v1/incidents/${id}`, viewer));
    expect(detail).toMatchObject({ id, rule: 'negative-spike', status: 'open', mentionCount: 25 });
    expect(detail.factors.length).toBeGreaterThan(3);
    expect(detail.mentions).toHaveLength(25);
    expect(detail.mentions[0].authorFollowers).toBe(240);
    expect(detail.timeline.map((e: { kind: string }) => e.kind)).toEqual(['opened', 'notified']);
    expect((await call('GET', '/v1/incidents/inc_nope', viewer)).status).toBe(404);
    expect((await body(call('GET', '/v1/incidents?level=9', viewer))).error.field).toBe('query.level');
  });

  it('ack, assign, note and resolve need an editor and are audited', async () => {
    const { id } = await firstIncident();
    expect((await call('POST', `/v1/incidents/${id}/ack`, viewer, {})).status).toBe(403);
    const acked = await body(call('POST', `/v1/incidents/${id}/ack`, editor, {}));
    expect(acked).toMatchObject({ status: 'acknowledged', nextEscalationAt: null });
    expect(
      (await body(call('POST', `/v1/incidents/${id}/assign`, editor, { assignee: 'mei@pr' }))).assignee,
    ).toBe('mei@pr');
    expect(
      (await call('POST', `/v1/incidents/${id}/note`, editor, { text: 'statement drafted' })).status,
    ).toBe(201);
    const resolved = await body(call('POST', `/v1/incidents/${id}/resolve`, editor, { reason: 'handled' }));
    expect(resolved.status).toBe('resolved');
    const timeline = (await body(call('GET', `/v1/incidents/${id}`, viewer))).timeline.map(
      (e: { kind: string }) => e.kind,
    );
    expect(timeline).toEqual(['opened', 'notified', 'acknowledged', 'assigned', 'note', 'resolved']);
    const audits = await deps.db.select().from(auditLog).where(eq(auditLog.entityId, id));
    expect(audits.map((a) => a.action).sort()).toEqual([
      'incident.ack',
      'incident.assign',
      'incident.note',
      'incident.resolve',
    ]);
    const kinds = (await deps.db.select().from(outbox).orderBy(asc(outbox.seq))).map((r) => r.kind);
    expect(kinds).toEqual(['alert', 'resolved']);
  });

  it('a signed ack link acknowledges once, without a key; forged and expired links fail', async () => {
    const path = await ackPath();
    const ok = await call('GET', path);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { status: string }).status).toBe('acknowledged');
    expect((await call('GET', path)).status).toBe(409);
    expect((await call('GET', `${path.slice(0, -2)}xx`)).status).toBe(400);
    const audits = await deps.db.select().from(auditLog).where(eq(auditLog.action, 'incident.ack'));
    expect(audits).toHaveLength(1);
  });

  it('an expired ack link is refused', async () => {
    const path = await ackPath();
    clock.advance(2 * 3_600_000);
    const r = await call('GET', path);
    expect(r.status).toBe(409);
    expect((await firstIncident()).status).toBe('open');
  });

  it('dead letters are listed and can be retried', async () => {
    sink.reply({ status: 401, body: 'bad token' });
    expect((await engine.dispatcher.tick()).dead).toBe(1);
    const dead = await body(call('GET', '/v1/outbox?status=dead', viewer));
    expect(dead.data).toHaveLength(1);
    expect(dead.data[0]).toMatchObject({ channel: 'ops', status: 'dead', attempts: 1, lastStatus: 401 });
    sink.reply({ status: 200 });
    expect((await call('POST', `/v1/outbox/${dead.data[0].id}/retry`, viewer)).status).toBe(403);
    expect((await body(call('POST', `/v1/outbox/${dead.data[0].id}/retry`, editor))).status).toBe('pending');
    expect((await call('POST', `/v1/outbox/${dead.data[0].id}/retry`, editor)).status).toBe(409);
    expect((await engine.dispatcher.tick()).delivered).toBe(1);
  });

  it('silences can be created, listed and ended', async () => {
    const s = await body(
      call('POST', '/v1/silences', editor, {
        brand: 'Acme',
        endsAt: new Date(T0.getTime() + 3_600_000).toISOString(),
        reason: 'launch day',
      }),
    );
    expect(s).toMatchObject({ reason: 'launch day', rule: null });
    expect((await body(call('GET', '/v1/silences', viewer))).data).toHaveLength(1);
    expect((await call('DELETE', `/v1/silences/${s.id}`, editor)).status).toBe(204);
    expect((await body(call('GET', '/v1/silences', viewer))).data).toHaveLength(0);
  });
});
