import { describe, expect, it } from 'vitest';
import { createAlertEngine } from '../../alerts/engine.ts';
import { alertMarks } from '../../db/schema/index.ts';
import { alertConfig, MIN, T0, useAlertsHarness } from '../alerts/harness.ts';
import { makeMention } from '../helpers/harness.ts';

const t = useAlertsHarness();

/** Negative posts about Acme by verified authors with 3M followers: each one an influential-negative alert. */
const TEXTS = [
  'acme is awful, the replacement broke again',
  'acme support hung up on me twice, awful service',
  'awful: my acme kettle leaks all over the counter',
  'never buying acme again, awful refund process',
];
const influential = (n: number, from = 0) =>
  Array.from({ length: n }, (_, j) => j + from).map((i) =>
    makeMention({
      text: TEXTS[i % TEXTS.length]!,
      publishedAt: new Date(T0.getTime() - (i + 1) * MIN).toISOString(),
      author: { handle: `star${i}`, followers: 3_000_000, verified: true },
    }),
  );

describe('per-batch alert evaluation is driven by committed marks', () => {
  it('a batch committed while no engine ran is evaluated by the next engine, exactly once', async () => {
    // The process that stored the batch died before evaluating it: nothing but the commit happened.
    await t.deps.pipeline.processBatch(influential(3), { origin: 'test' });
    expect(await t.deps.db.select().from(alertMarks)).toHaveLength(1);
    expect(await t.incidents()).toHaveLength(0);

    // A new process over the same database: its first tick finishes the evaluation.
    const engine2 = createAlertEngine(await t.build());
    await engine2.tick();
    const opened = await t.incidents();
    expect(opened.map((i) => i.rule)).toEqual([
      'influential-negative',
      'influential-negative',
      'influential-negative',
    ]);
    expect(await t.deps.db.select().from(alertMarks)).toEqual([]);
    const outboxRows = (await t.rows()).length;
    expect(outboxRows).toBe(3);

    // Later passes, in this process or another, repeat nothing.
    await engine2.tick();
    await t.engine.evaluate();
    await t.engine.tick();
    expect(await t.incidents()).toHaveLength(3);
    expect(await t.rows()).toHaveLength(outboxRows);
    await engine2.stop();
  });

  it('two engines draining the same marks at once open each incident once', async () => {
    await t.deps.pipeline.processBatch(influential(2), { origin: 'test' });
    await t.deps.pipeline.processBatch(influential(1, 2), { origin: 'test' });
    const engine2 = createAlertEngine(await t.build());
    await Promise.all([t.engine.drain(), engine2.drain(), t.engine.drain()]);
    // Whichever engine was skipped by the per-brand lock picks up anything left on its next pass.
    await Promise.all([t.engine.drain(), engine2.drain()]);
    expect(await t.incidents()).toHaveLength(3);
    expect(await t.rows()).toHaveLength(3);
    expect(await t.deps.db.select().from(alertMarks)).toEqual([]);
    await engine2.stop();
  });

  it('a started engine finishes what was committed before it started', async () => {
    await t.deps.pipeline.processBatch(influential(1), { origin: 'test' });
    const engine2 = createAlertEngine(await t.build(), { tickMs: 3_600_000 });
    engine2.start();
    await engine2.idle();
    expect((await t.incidents()).map((i) => i.rule)).toEqual(['influential-negative']);
    await engine2.stop();
  });

  it('marks of a brand whose alerts are off are cleared without alerting', async () => {
    const d = await t.build({
      ...alertConfig(t.sink.url),
      brands: [{ name: 'Acme', query: 'acme OR 艾克米', alerts: { enabled: false } }],
    });
    const { syncConfig } = await import('../../src/config/sync.ts');
    await syncConfig(d);
    await d.pipeline.processBatch(influential(1), { origin: 'test' });
    const engine2 = createAlertEngine(d);
    await engine2.drain();
    expect(await t.incidents()).toEqual([]);
    expect(await t.deps.db.select().from(alertMarks)).toEqual([]);
    await engine2.stop();
  });
});
