import { asc, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AlertEngine, createAlertEngine } from '../../alerts/engine.ts';
import type { AlertMessage } from '../../alerts/types.ts';
import { defineClassifier } from '../../classifiers/types.ts';
import type { DbHandle } from '../../db/client.ts';
import { incidentEvents, incidents, outbox, silences } from '../../db/schema/index.ts';
import { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import type { CommittedBatch } from '../../src/pipeline/ingest.ts';
import { makeDeps, makeMention } from '../helpers/harness.ts';
import { createTestHttpClient, type HttpSink, startHttpSink } from '../helpers/http-sink.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

/** Negative for "awful"/"太差"; crisis language for "recall"/"召回". */
const fakeClassifier = defineClassifier({
  id: 'fake-alerts',
  version: '1',
  description: 'test sentiment and crisis',
  options: z.object({}),
  produces: ['sentiment', 'crisis'],
  classify: (_ctx, inputs) =>
    inputs.map((i) => {
      const neg = /awful|太差/.test(i.text);
      const crisis = /recall|召回/.test(i.text);
      return {
        sentiment: {
          label: neg ? ('negative' as const) : ('positive' as const),
          score: neg ? -0.8 : 0.6,
          confidence: 0.9,
        },
        ...(crisis
          ? { crisis: { score: 0.9, signals: [{ term: 'recall', category: 'safety', weight: 1 }] } }
          : {}),
      };
    }),
});

const T0 = new Date('2026-11-25T08:00:00Z');
const MIN = 60_000;

let h: DbHandle;
let sink: HttpSink;
let clock: FakeClock;
let deps: Deps;
let engine: AlertEngine;
let batches: CommittedBatch[];

function alertConfig(over: Record<string, unknown> = {}) {
  return {
    brands: [{ name: 'Acme', query: 'acme OR 艾克米', locale: 'bilingual' }],
    alerts: {
      channels: [
        { name: 'ops', type: 'webhook', options: { url: `${sink.url}/ops` }, secrets: { secret: 'whsec' } },
        { name: 'lead', type: 'webhook', options: { url: `${sink.url}/lead` } },
      ],
      policies: [
        {
          name: 'std',
          steps: [{ channels: ['ops'] }, { channels: ['lead'], after: '15m' }],
          reminderEvery: '4h',
        },
      ],
      defaultPolicy: 'std',
      ...over,
    },
  };
}

async function build(config = alertConfig()) {
  const d = await makeDeps({
    handle: h,
    clock,
    classifiers: [fakeClassifier],
    config,
    httpFactory: () => createTestHttpClient({ clock }),
  });
  d.events.on('mentions', (b) => batches.push(b));
  return d;
}

/** Push mentions through the pipeline and evaluate the committed batch. */
async function ingest(items: unknown[], e: AlertEngine = engine, d: Deps = deps) {
  await d.pipeline.processBatch(items, { origin: 'test' });
  return e.evaluate(batches.at(-1)!);
}

function burst(n: number, opts: { authors?: number; text?: string; platform?: string; at?: Date } = {}) {
  const at = opts.at ?? clock.now();
  return Array.from({ length: n }, (_, i) =>
    makeMention({
      platform: opts.platform ?? 'weibo',
      text: opts.text ?? `acme is awful, order ${i} never arrived`,
      publishedAt: new Date(at.getTime() - i * 1000).toISOString(),
      author: { handle: `angry${i % (opts.authors ?? n)}`, followers: 100 },
    }),
  );
}

const rows = () => deps.db.select().from(outbox).orderBy(asc(outbox.seq));
const allIncidents = () => deps.db.select().from(incidents);

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
  sink.requests.length = 0;
  sink.reply({ status: 200, body: 'ok' });
  clock = new FakeClock(T0);
  batches = [];
  deps = await build();
  await syncConfig(deps);
  engine = createAlertEngine(deps, { publicUrl: 'https://earshot.example' });
});
afterEach(async () => {
  await engine.stop();
});

describe('negative spike → one graded incident', () => {
  it('a burst of negative posts opens ONE incident at the right level with its factors and mentions', async () => {
    await ingest(burst(30));
    await ingest(burst(10, { text: 'acme awful again' }));
    const incs = await allIncidents();
    expect(incs).toHaveLength(1);
    const inc = incs[0]!;
    expect(inc).toMatchObject({
      rule: 'negative-spike',
      status: 'open',
      mentionCount: 40,
      escalationStep: 1,
      policy: 'std',
    });
    // 30 negatives, no history: velocity 30× (full), volume log10(30)/3, share 100% vs 15% prior (full), intensity 0.8, reach 100 → ≈46 points: level 2 (orange).
    expect(inc.level).toBe(2);
    const names = (inc.factors as { name: string }[]).map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(['velocity', 'volume', 'negative-share', 'intensity', 'authority']),
    );
    for (const f of inc.factors as { explanation: string; weight: number }[])
      expect(f.explanation.length).toBeGreaterThan(5);

    const out = await rows();
    expect(out.map((r) => [r.channel, r.kind])).toEqual([['ops', 'alert']]);
    const msg = out[0]!.payload as unknown as AlertMessage;
    expect(msg.locale).toBe('bilingual');
    expect(msg.incident?.title).toBe('负面声量激增 / Negative spike');
    expect(msg.incident?.ackUrl).toMatch(/^https:\/\/earshot\.example\/v1\/ack\//);
    expect(msg.incident?.mentions.length).toBe(5);

    const r = await engine.dispatcher.drain();
    expect(r.delivered).toBe(1);
    expect(sink.requests).toHaveLength(1);
    expect(sink.requests[0]!.path).toBe('/ops');
    expect(sink.requests[0]!.headers['x-earshot-signature']).toMatch(/^sha256=/);
  });

  it('tiny samples and few authors never page anyone', async () => {
    await ingest(burst(6)); // under minNegative (10)
    await ingest(burst(20, { authors: 3 })); // 26 negatives, but from 6 authors... of which only these 3 are new
    expect(await allIncidents()).toHaveLength(1);
    await truncateAll(h);
    await syncConfig(deps);
    await ingest(burst(4));
    await ingest(burst(20, { authors: 4 })); // 24 negatives from 4 authors: under minAuthors (5)
    expect(await allIncidents()).toHaveLength(0);
  });

  it('a level rise re-notifies the reached channels at once', async () => {
    await ingest(burst(30));
    expect((await allIncidents())[0]!.level).toBe(2);
    await ingest(burst(15, { text: 'acme awful: product recall now' }));
    const incs = await allIncidents();
    // The recall posts also open their own crisis-language incident.
    expect(incs.map((i) => i.rule).sort()).toEqual(['crisis-language', 'negative-spike']);
    const inc = incs.find((i) => i.rule === 'negative-spike');
    expect(inc!.level).toBe(1);
    const out = (await rows()).filter((r) => r.incidentId === inc!.id);
    expect(out.map((r) => [r.channel, r.kind])).toEqual([
      ['ops', 'alert'],
      ['ops', 'level-up'],
    ]);
    const events = await deps.db.select().from(incidentEvents).where(eq(incidentEvents.incidentId, inc!.id));
    expect(events.map((e) => e.kind)).toContain('level-raised');
  });
});

describe('escalation', () => {
  it('fires steps on time by the fake clock, and acknowledging stops it', async () => {
    await ingest(burst(30));
    clock.set(T0.getTime() + 14 * MIN);
    await engine.tick();
    expect((await rows()).map((r) => r.channel)).toEqual(['ops']);
    clock.set(T0.getTime() + 15 * MIN);
    await engine.tick();
    expect((await rows()).map((r) => [r.channel, r.kind])).toEqual([
      ['ops', 'alert'],
      ['lead', 'escalation'],
    ]);
    await engine.tick();
    expect(await rows()).toHaveLength(2);
  });

  it('ack before the next step means no escalation (reminders continue until resolved)', async () => {
    await ingest(burst(30));
    const [inc] = await allIncidents();
    const { acknowledge } = await import('../../alerts/incidents.ts');
    await deps.db.transaction((tx) => acknowledge(tx, engine.ctx, inc!.id, 'key:test'));
    clock.set(T0.getTime() + 60 * MIN);
    await engine.tick();
    expect((await rows()).map((r) => r.channel)).toEqual(['ops']);
    const [after] = await allIncidents();
    expect(after).toMatchObject({ status: 'acknowledged', nextEscalationAt: null });
    clock.set(T0.getTime() + 4 * 60 * MIN);
    await engine.tick();
    expect((await rows()).map((r) => r.kind)).toEqual(['alert', 'reminder']);
  });

  it('a restart neither loses nor repeats an escalation', async () => {
    await ingest(burst(30));
    await engine.stop();
    // A new process over the same database.
    const deps2 = await build();
    const engine2 = createAlertEngine(deps2);
    clock.set(T0.getTime() + 16 * MIN);
    await engine2.tick();
    await engine.tick(); // the old process ticking too changes nothing
    await engine2.tick();
    expect((await rows()).map((r) => r.channel)).toEqual(['ops', 'lead']);
    const [inc] = await allIncidents();
    expect(inc).toMatchObject({ escalationStep: 2, nextEscalationAt: null });
    await engine2.stop();
  });

  it('silences suppress notifications but record the incident; the step fires when the silence ends', async () => {
    await deps.db.insert(silences).values({
      id: 'sil_1',
      brandId: null,
      rule: null,
      startsAt: T0,
      endsAt: new Date(T0.getTime() + 30 * MIN),
      reason: 'launch',
      createdBy: 'test',
      createdAt: T0,
    });
    await ingest(burst(30));
    const [inc] = await allIncidents();
    expect(inc).toMatchObject({ status: 'open', escalationStep: 0 });
    expect(await rows()).toHaveLength(0);
    const events = await deps.db.select().from(incidentEvents).where(eq(incidentEvents.incidentId, inc!.id));
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['opened', 'silenced']));
    clock.set(T0.getTime() + 31 * MIN);
    await engine.tick();
    expect((await rows()).map((r) => r.channel)).toEqual(['ops']);
  });
});

describe('collector down', () => {
  it('alerts after repeated failures, separately from brands, and resolves when the source recovers', async () => {
    const fault = {
      sourceId: 'src_rss',
      sourceName: 'acme-rss',
      kind: 'http-5xx',
      message: 'HTTP 503',
      at: T0,
    };
    expect(await engine.onSourceFault({ ...fault, consecutiveFailures: 2 })).toEqual([]);
    const [note] = await engine.onSourceFault({ ...fault, consecutiveFailures: 3 });
    expect(note).toMatchObject({ change: 'opened', level: 3 });
    await engine.onSourceFault({ ...fault, consecutiveFailures: 4 });
    const incs = await allIncidents();
    expect(incs).toHaveLength(1);
    expect(incs[0]).toMatchObject({ rule: 'collector-down', brandId: null, sourceId: 'src_rss' });
    const out = await rows();
    expect(out.map((r) => r.kind)).toEqual(['collector-down']);
    expect((out[0]!.payload as unknown as AlertMessage).collector?.sourceName).toBe('src_rss');
    await engine.onSourceOk({ sourceId: 'src_rss', sourceName: 'acme-rss', at: T0 });
    expect((await allIncidents())[0]!.status).toBe('resolved');
    expect((await rows()).map((r) => r.kind)).toEqual(['collector-down', 'resolved']);
  });
});

describe('dispatcher', () => {
  it('a channel down for 10 minutes: every message delivered once, in order per incident', async () => {
    sink.reply({ status: 503 });
    await ingest(burst(30));
    await ingest(burst(15, { text: 'acme awful: product recall now' })); // level-up
    for (let t = 0; t <= 10 * MIN; t += 30_000) {
      clock.set(T0.getTime() + t);
      await engine.tick();
      await engine.dispatcher.drain();
    }
    expect(sink.requests.length).toBeGreaterThan(2);
    const failed = sink.requests.length;
    sink.reply({ status: 200 });
    for (let t = 10 * MIN; t <= 80 * MIN; t += 30_000) {
      clock.set(T0.getTime() + t);
      await engine.tick();
      await engine.dispatcher.drain();
    }
    const out = await rows();
    expect(out.every((r) => r.status === 'delivered')).toBe(true);
    const ok = sink.requests.slice(failed).map((r) => String(r.headers['x-earshot-delivery']));
    expect(new Set(ok).size).toBe(ok.length);
    expect(ok.sort()).toEqual(out.map((r) => r.idempotencyKey).sort());
    // Per incident and channel, deliveries arrive in outbox order.
    for (const inc of await allIncidents()) {
      const got = ok.filter((k) => k.startsWith(`${inc.id}:`) && k.endsWith(':ops'));
      const delivered = sink.requests
        .slice(failed)
        .map((r) => String(r.headers['x-earshot-delivery']))
        .filter((k) => got.includes(k));
      expect(delivered).toEqual(
        out.filter((r) => r.incidentId === inc.id && r.channel === 'ops').map((r) => r.idempotencyKey),
      );
    }
    expect(out.filter((r) => r.kind === 'level-up')).toHaveLength(1);
  });

  it('retries honour Retry-After, dead-letters a non-retryable error, and a dead row can be retried', async () => {
    sink.reply({ status: 429, headers: { 'retry-after': '120' } });
    await ingest(burst(30));
    let r = await engine.dispatcher.tick();
    expect(r.retried).toBe(1);
    let [row] = await rows();
    expect(row!.nextAttemptAt.getTime()).toBe(T0.getTime() + 120_000);
    clock.set(T0.getTime() + 60_000);
    expect((await engine.dispatcher.tick()).claimed).toBe(0);
    sink.reply({ status: 400, body: 'bad payload' });
    clock.set(T0.getTime() + 120_000);
    r = await engine.dispatcher.tick();
    expect(r.dead).toBe(1);
    [row] = await rows();
    expect(row).toMatchObject({ status: 'dead', attempts: 2, lastStatus: 400 });
  });

  it('over a channel rate limit, pending rows merge into one digest instead of being dropped', async () => {
    const cfg = alertConfig({
      channels: [
        { name: 'ops', type: 'webhook', options: { url: `${sink.url}/ops` }, perMinute: 2 },
        { name: 'lead', type: 'webhook', options: { url: `${sink.url}/lead` } },
      ],
    });
    await engine.stop();
    deps = await build(cfg);
    engine = createAlertEngine(deps);
    // Five influential negative posts: five incidents, five notifications.
    await ingest(
      Array.from({ length: 5 }, (_, i) =>
        makeMention({
          text: `acme awful story number ${i} ${'x'.repeat(i)} ${i * 7919}`,
          author: { handle: `star${i}`, followers: 2_000_000 },
          publishedAt: T0.toISOString(),
        }),
      ),
    );
    expect(await allIncidents()).toHaveLength(5);
    const r = await engine.dispatcher.drain();
    expect(r.merged).toBe(4);
    expect(sink.requests).toHaveLength(2);
    const digest = sink.requests[1]!.json<AlertMessage>();
    expect(digest.kind).toBe('digest');
    expect(digest.digest?.topIncidents).toHaveLength(4);
    const out = await rows();
    expect(out.filter((x) => x.status === 'merged')).toHaveLength(4);
    expect(out.filter((x) => x.status === 'delivered')).toHaveLength(2);
  });
});
