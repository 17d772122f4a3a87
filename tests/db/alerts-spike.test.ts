import { describe, expect, it } from 'vitest';
import { loadSpikeState, spikeStateKey } from '../../alerts/detect.ts';
import { createAlertEngine } from '../../alerts/engine.ts';
import { resolve } from '../../alerts/incidents.ts';
import { brands, detectorState } from '../../db/schema/index.ts';
import { alertConfig, burst, HOUR, MIN, seedHistory, T0, useAlertsHarness } from '../alerts/harness.ts';

// Sentiment drop would also see these bursts; this file is about the spike rule alone.
const t = useAlertsHarness((url) => alertConfig(url, { rules: { 'sentiment-drop': { enabled: false } } }));

/** Three days of an ordinary Acme (1 negative and 5 positive posts an hour) up to T0, clock at 08:20. */
async function warmBrand() {
  await seedHistory(t, { from: new Date(T0.getTime() - 72 * HOUR), to: T0, negative: 1, positive: 5 });
  t.clock.set(T0.getTime() + 20 * MIN);
  const [b] = await t.deps.db.select().from(brands);
  return b!.id;
}

const spikeIncidents = async () => (await t.incidents()).filter((i) => i.rule === 'negative-spike');
const kinds = async () => (await t.rows()).map((r) => r.kind);
const resolveAll = async () => {
  for (const i of await t.incidents())
    await t.deps.db.transaction((tx) => resolve(tx, t.engine.ctx, i.id, 'key:test'));
};

describe('negative spike on a warm brand: the production spike detector', () => {
  it('opens one incident on the hour in progress, explained by the detector (O/E, z, expected)', async () => {
    const brandId = await warmBrand();
    await t.ingest(burst(t.clock.now(), 40));
    const [inc, ...more] = await spikeIncidents();
    expect(more).toHaveLength(0);
    expect(inc).toMatchObject({ status: 'open', mentionCount: 40 });
    const factors = inc!.factors as { name: string; value: number }[];
    expect(factors.map((f) => f.name)).toEqual(
      expect.arrayContaining(['velocity', 'volume', 'negative-share', 'spike-z', 'expected']),
    );
    const counts = inc!.counts;
    expect(counts.observed).toBe(40);
    expect(counts.expected).toBeGreaterThan(0.5);
    expect(counts.expected).toBeLessThan(2);
    expect(counts.z).toBeGreaterThan(3.5);
    expect(factors.find((f) => f.name === 'velocity')!.value).toBeGreaterThan(10);
    expect(await kinds()).toEqual(['alert']);
    // Settled hours (up to 06:00 at 08:20, with the 30 min settle) are learnt and persisted.
    const state = await loadSpikeState(t.deps.db, brandId);
    expect(state?.lastAt).toBe(T0.getTime() - 2 * HOUR);
  });

  it('a burst under the detector materiality (excess < 10 an hour) does not page a warm brand', async () => {
    await warmBrand();
    // Enough for the rule's own minimum (10 negatives from 5 authors), 10× the usual hour, but
    // only 9 more than expected.
    await t.ingest(burst(t.clock.now(), 10));
    expect(await spikeIncidents()).toHaveLength(0);
  });

  /** The engine restarted with these detector overrides in the config. */
  async function withDetector(detector: Record<string, number>) {
    await t.engine.stop();
    t.deps = await t.build(
      alertConfig(t.sink.url, {
        rules: { 'sentiment-drop': { enabled: false }, 'negative-spike': { detector } },
      }),
    );
    t.engine = createAlertEngine(t.deps);
  }

  it('detector parameters are per brand in config (a smaller materiality for a small brand)', async () => {
    await warmBrand();
    await withDetector({ minExcess: 5 });
    await t.ingest(burst(t.clock.now(), 10));
    expect(await spikeIncidents()).toHaveLength(1);
  });

  it('a larger materiality (30 above expected) keeps a burst of 25 from paging', async () => {
    await warmBrand();
    await withDetector({ minExcess: 30 });
    await t.ingest(burst(t.clock.now(), 25));
    expect(await spikeIncidents()).toHaveLength(0);
  });

  it('a spike from a handful of authors never pages', async () => {
    await warmBrand();
    await t.ingest(burst(t.clock.now(), 60, { authors: 4 }));
    expect(await spikeIncidents()).toHaveLength(0);
  });

  it('more negatives inside the episode grow the incident without a new page', async () => {
    await warmBrand();
    await t.ingest(burst(t.clock.now(), 40));
    t.clock.set(T0.getTime() + 40 * MIN);
    await t.ingest(burst(t.clock.now(), 20, { text: 'acme awful, still waiting' }));
    const [inc] = await spikeIncidents();
    expect(inc!.mentionCount).toBe(60);
    expect((await kinds()).filter((k) => k === 'alert')).toHaveLength(1);
  });

  it('an episode whose opening failed the gates still pages when a later hour of it passes them', async () => {
    await warmBrand();
    await t.ingest(burst(t.clock.now(), 60, { authors: 4 })); // a flood from 4 accounts: no page
    t.clock.set(T0.getTime() + 95 * MIN);
    await t.engine.tick(); // 08:00 is learnt: the detector's episode runs for a day
    expect(await spikeIncidents()).toHaveLength(0);
    t.clock.set(T0.getTime() + 2 * HOUR + 10 * MIN);
    await t.ingest(burst(t.clock.now(), 40)); // 10:00: a real one, no bigger than the flood
    const [inc] = await spikeIncidents();
    expect(inc).toMatchObject({ status: 'open', mentionCount: 40 });
    expect(await kinds()).toEqual(['alert']);
    // Resolved, it does not page again inside the same episode.
    await resolveAll();
    t.clock.set(T0.getTime() + 2 * HOUR + 40 * MIN);
    await t.ingest(burst(t.clock.now(), 30, { text: 'acme awful, still no answer' }));
    expect(await kinds()).toEqual(['alert', 'resolved']);
  });

  it('an episode opened on the hour in progress is not opened again when that hour is learnt', async () => {
    const brandId = await warmBrand();
    await t.ingest(burst(t.clock.now(), 40));
    await resolveAll(); // handled quickly
    expect(await kinds()).toEqual(['alert', 'resolved']);
    t.clock.set(T0.getTime() + 95 * MIN); // 09:35: the 08:00 hour has settled
    await t.engine.tick();
    expect((await loadSpikeState(t.deps.db, brandId))?.lastAt).toBe(T0.getTime());
    expect(await kinds()).toEqual(['alert', 'resolved']);
    expect((await spikeIncidents())[0]!.status).toBe('resolved');
  });

  it('a restart neither repeats nor loses a spike signal', async () => {
    await warmBrand();
    await t.ingest(burst(t.clock.now(), 40));
    await resolveAll();
    await t.engine.stop();
    // A new process over the same database evaluates the same batch again, then its timers run.
    const engine2 = createAlertEngine(await t.build());
    await engine2.evaluate(t.batches.at(-1)!);
    t.clock.set(T0.getTime() + 95 * MIN);
    await engine2.tick();
    expect(await kinds()).toEqual(['alert', 'resolved']);
    await engine2.stop();
  });

  it('a spike committed while no evaluation ran still pages once its hour is fed', async () => {
    const brandId = await warmBrand();
    await t.engine.tick();
    expect(await loadSpikeState(t.deps.db, brandId)).toBeDefined();
    // The process died between the pipeline commit and the evaluation.
    await t.deps.pipeline.processBatch(burst(t.clock.now(), 40), { origin: 'test' });
    t.clock.set(T0.getTime() + 95 * MIN);
    const engine2 = createAlertEngine(await t.build());
    await engine2.tick();
    const [inc] = await spikeIncidents();
    expect(inc).toMatchObject({ status: 'open', mentionCount: 40 });
    expect(inc!.counts.observed).toBe(40);
    await engine2.tick();
    expect(await kinds()).toEqual(['alert']);
    await engine2.stop();
  });

  it('a state saved by the previous detector version is not trusted: history is replayed instead', async () => {
    const brandId = await warmBrand();
    // What the v2 detector persisted: its own shape, a level far from this brand's.
    const old = {
      v: 2,
      n: 900,
      firstAt: T0.getTime() - 40 * 24 * HOUR,
      lastAt: T0.getTime() - 2 * HOUR,
      level: 5000,
    };
    await t.deps.db
      .insert(detectorState)
      .values({ key: spikeStateKey(brandId), value: { v: 1, detector: old }, updatedAt: T0 });
    expect(await loadSpikeState(t.deps.db, brandId)).toBeUndefined();
    await t.ingest(burst(t.clock.now(), 40));
    const [inc] = await spikeIncidents();
    expect(inc).toMatchObject({ status: 'open', mentionCount: 40 });
    expect(inc!.counts.expected).toBeLessThan(2); // learnt from the replayed history, not the old level
    const state = await loadSpikeState(t.deps.db, brandId);
    expect(state).toMatchObject({ v: 3, lastAt: T0.getTime() - 2 * HOUR });
  });
});
