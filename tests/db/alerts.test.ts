import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createAlertEngine } from '../../alerts/engine.ts';
import type { AlertMessage } from '../../alerts/types.ts';
import { incidentEvents, silences } from '../../db/schema/index.ts';
import { syncConfig } from '../../src/config/sync.ts';
import { alertConfig, burst as burstAt, MIN, T0, useAlertsHarness } from '../alerts/harness.ts';
import { makeMention } from '../helpers/harness.ts';
import { truncateAll } from '../helpers/pg.ts';

const t = useAlertsHarness();
const burst = (n: number, opts: Parameters<typeof burstAt>[2] = {}) => burstAt(t.clock.now(), n, opts);
const ingest = (items: unknown[]) => t.ingest(items);
const rows = () => t.rows();
const allIncidents = () => t.incidents();

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

    const r = await t.engine.dispatcher.drain();
    expect(r.delivered).toBe(1);
    expect(t.sink.requests).toHaveLength(1);
    expect(t.sink.requests[0]!.path).toBe('/ops');
    expect(t.sink.requests[0]!.headers['x-earshot-signature']).toMatch(/^sha256=/);
  });

  it('tiny samples and few authors never page anyone; before the detector warms up the floors double', async () => {
    await ingest(burst(8)); // 8 negatives: under 2 × minNegative (20)
    await ingest(burst(20, { authors: 3 })); // 28 negatives from 8 authors: under 2 × minAuthors (10)
    expect(await allIncidents()).toHaveLength(0);
    await ingest(burst(10)); // 38 negatives from 10 authors
    expect(await allIncidents()).toHaveLength(1);
    await truncateAll(t.h);
    await syncConfig(t.deps);
    await ingest(burst(19)); // 19 negatives from 19 authors
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
    const events = await t.deps.db
      .select()
      .from(incidentEvents)
      .where(eq(incidentEvents.incidentId, inc!.id));
    expect(events.map((e) => e.kind)).toContain('level-raised');
  });
});

describe('escalation', () => {
  it('fires steps on time by the fake t.clock, and acknowledging stops it', async () => {
    await ingest(burst(30));
    t.clock.set(T0.getTime() + 14 * MIN);
    await t.engine.tick();
    expect((await rows()).map((r) => r.channel)).toEqual(['ops']);
    t.clock.set(T0.getTime() + 15 * MIN);
    await t.engine.tick();
    expect((await rows()).map((r) => [r.channel, r.kind])).toEqual([
      ['ops', 'alert'],
      ['lead', 'escalation'],
    ]);
    await t.engine.tick();
    expect(await rows()).toHaveLength(2);
  });

  it('ack before the next step means no escalation (reminders continue until resolved)', async () => {
    await ingest(burst(30));
    const [inc] = await allIncidents();
    const { acknowledge } = await import('../../alerts/incidents.ts');
    await t.deps.db.transaction((tx) => acknowledge(tx, t.engine.ctx, inc!.id, 'key:test'));
    t.clock.set(T0.getTime() + 60 * MIN);
    await t.engine.tick();
    expect((await rows()).map((r) => r.channel)).toEqual(['ops']);
    const [after] = await allIncidents();
    expect(after).toMatchObject({ status: 'acknowledged', nextEscalationAt: null });
    t.clock.set(T0.getTime() + 4 * 60 * MIN);
    await t.engine.tick();
    expect((await rows()).map((r) => r.kind)).toEqual(['alert', 'reminder']);
  });

  it('a restart neither loses nor repeats an escalation', async () => {
    await ingest(burst(30));
    await t.engine.stop();
    // A new process over the same database.
    const deps2 = await t.build();
    const engine2 = createAlertEngine(deps2);
    t.clock.set(T0.getTime() + 16 * MIN);
    await engine2.tick();
    await t.engine.tick(); // the old process ticking too changes nothing
    await engine2.tick();
    expect((await rows()).map((r) => r.channel)).toEqual(['ops', 'lead']);
    const [inc] = await allIncidents();
    expect(inc).toMatchObject({ escalationStep: 2, nextEscalationAt: null });
    await engine2.stop();
  });

  it('silences suppress notifications but record the incident; the step fires when the silence ends', async () => {
    await t.deps.db.insert(silences).values({
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
    const events = await t.deps.db
      .select()
      .from(incidentEvents)
      .where(eq(incidentEvents.incidentId, inc!.id));
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['opened', 'silenced']));
    t.clock.set(T0.getTime() + 31 * MIN);
    await t.engine.tick();
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
    expect(await t.engine.onSourceFault({ ...fault, consecutiveFailures: 2 })).toEqual([]);
    const [note] = await t.engine.onSourceFault({ ...fault, consecutiveFailures: 3 });
    expect(note).toMatchObject({ change: 'opened', level: 3 });
    await t.engine.onSourceFault({ ...fault, consecutiveFailures: 4 });
    const incs = await allIncidents();
    expect(incs).toHaveLength(1);
    expect(incs[0]).toMatchObject({ rule: 'collector-down', brandId: null, sourceId: 'src_rss' });
    const out = await rows();
    expect(out.map((r) => r.kind)).toEqual(['collector-down']);
    expect((out[0]!.payload as unknown as AlertMessage).collector?.sourceName).toBe('src_rss');
    await t.engine.onSourceOk({ sourceId: 'src_rss', sourceName: 'acme-rss', at: T0 });
    expect((await allIncidents())[0]!.status).toBe('resolved');
    expect((await rows()).map((r) => r.kind)).toEqual(['collector-down', 'resolved']);
  });
});

describe('dispatcher', () => {
  it('a channel down for 10 minutes: every message delivered once, in order per incident', async () => {
    t.sink.reply({ status: 503 });
    await ingest(burst(30));
    await ingest(burst(15, { text: 'acme awful: product recall now' })); // level-up
    for (let at = 0; at <= 10 * MIN; at += 30_000) {
      t.clock.set(T0.getTime() + at);
      await t.engine.tick();
      await t.engine.dispatcher.drain();
    }
    expect(t.sink.requests.length).toBeGreaterThan(2);
    const failed = t.sink.requests.length;
    t.sink.reply({ status: 200 });
    for (let at = 10 * MIN; at <= 80 * MIN; at += 30_000) {
      t.clock.set(T0.getTime() + at);
      await t.engine.tick();
      await t.engine.dispatcher.drain();
    }
    const out = await rows();
    expect(out.every((r) => r.status === 'delivered')).toBe(true);
    const ok = t.sink.requests.slice(failed).map((r) => String(r.headers['x-earshot-delivery']));
    expect(new Set(ok).size).toBe(ok.length);
    expect(ok.sort()).toEqual(out.map((r) => r.idempotencyKey).sort());
    // Per incident and channel, deliveries arrive in outbox order.
    for (const inc of await allIncidents()) {
      const got = ok.filter((k) => k.startsWith(`${inc.id}:`) && k.endsWith(':ops'));
      const delivered = t.sink.requests
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
    t.sink.reply({ status: 429, headers: { 'retry-after': '120' } });
    await ingest(burst(30));
    let r = await t.engine.dispatcher.tick();
    expect(r.retried).toBe(1);
    let [row] = await rows();
    expect(row!.nextAttemptAt.getTime()).toBe(T0.getTime() + 120_000);
    t.clock.set(T0.getTime() + 60_000);
    expect((await t.engine.dispatcher.tick()).claimed).toBe(0);
    t.sink.reply({ status: 400, body: 'bad payload' });
    t.clock.set(T0.getTime() + 120_000);
    r = await t.engine.dispatcher.tick();
    expect(r.dead).toBe(1);
    [row] = await rows();
    expect(row).toMatchObject({ status: 'dead', attempts: 2, lastStatus: 400 });
  });

  it('over a channel rate limit, pending rows merge into one digest instead of being dropped', async () => {
    const cfg = alertConfig(t.sink.url, {
      channels: [
        { name: 'ops', type: 'webhook', options: { url: `${t.sink.url}/ops` }, perMinute: 2 },
        { name: 'lead', type: 'webhook', options: { url: `${t.sink.url}/lead` } },
      ],
    });
    await t.engine.stop();
    t.deps = await t.build(cfg);
    t.engine = createAlertEngine(t.deps);
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
    const r = await t.engine.dispatcher.drain();
    expect(r.merged).toBe(4);
    expect(t.sink.requests).toHaveLength(2);
    const digest = t.sink.requests[1]!.json<AlertMessage>();
    expect(digest.kind).toBe('digest');
    expect(digest.digest?.topIncidents).toHaveLength(4);
    const out = await rows();
    expect(out.filter((x) => x.status === 'merged')).toHaveLength(4);
    expect(out.filter((x) => x.status === 'delivered')).toHaveLength(2);
  });
});
