import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlertEngine, createAlertEngine } from '../../alerts/engine.ts';
import { crisis } from '../../classifiers/crisis.ts';
import { langDetect } from '../../classifiers/lang-detect.ts';
import { sentiment } from '../../classifiers/sentiment.ts';
import type { DbHandle } from '../../db/client.ts';
import { incidents, mentions } from '../../db/schema/index.ts';
import { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import type { CommittedBatch } from '../../src/pipeline/ingest.ts';
import { alertConfig, MIN, T0 } from '../alerts/harness.ts';
import { makeDeps, makeMention } from '../helpers/harness.ts';
import { startHttpSink } from '../helpers/http-sink.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

/**
 * The crisis path end to end with the shipped classifiers (no fake): a journalist's calm report
 * of fires reaches the influential-negative rule as negative crisis language, with its category
 * stored on the mention.
 */
describe('crisis posts through the real classifiers', () => {
  let h: DbHandle;
  let sink: Awaited<ReturnType<typeof startHttpSink>>;
  let deps: Deps;
  let engine: AlertEngine;
  const batches: CommittedBatch[] = [];

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
    sink.reply({ status: 200, body: 'ok' });
    batches.length = 0;
    deps = await makeDeps({
      handle: h,
      clock: new FakeClock(T0),
      classifiers: [langDetect, sentiment, crisis],
      config: alertConfig(sink.url),
    });
    deps.events.on('mentions', (b) => batches.push(b));
    await syncConfig(deps);
    engine = createAlertEngine(deps, { publicUrl: 'https://earshot.example' });
  });
  afterEach(async () => {
    await engine.stop();
  });

  const ingest = async (items: unknown[]) => {
    await deps.pipeline.processBatch(items, { origin: 'test' });
    return engine.evaluate(batches.at(-1)!);
  };

  it('a verified journalist reporting blenders catching fire opens an influential-negative incident with a crisis factor', async () => {
    await ingest([
      makeMention({
        platform: 'twitter',
        text: 'Readers tell me their Acme X200 blenders are catching fire mid-blend. Acme has not commented. Unsafe — unplug yours.',
        publishedAt: new Date(T0.getTime() - 10 * MIN).toISOString(),
        author: { handle: 'consumerdesk', followers: 1_250_000, verified: true },
      }),
    ]);
    const [m] = await deps.db.select().from(mentions);
    expect(m!.sentimentLabel).toBe('negative');
    expect(m!.crisisScore).toBeGreaterThanOrEqual(0.5);
    const records = m!.classifications as Record<string, { crisis?: { category?: string } }>;
    const key = Object.keys(records).find((k) => k.startsWith('crisis@'))!;
    expect(records[key]!.crisis?.category).toBe('safety');
    const incs = (await deps.db.select().from(incidents)).filter((i) => i.rule === 'influential-negative');
    expect(incs).toHaveLength(1);
    const factors = incs[0]!.factors as { name: string; value: number }[];
    expect(factors.find((f) => f.name === 'crisis')!.value).toBeGreaterThanOrEqual(0.5);
    expect(incs[0]!.level).toBeLessThanOrEqual(2);
  });

  it('the same author writing about a fire drill opens nothing', async () => {
    await ingest([
      makeMention({
        platform: 'twitter',
        text: 'Fire drill at the Acme plant this morning, everyone out in four minutes. Smooth.',
        publishedAt: new Date(T0.getTime() - 10 * MIN).toISOString(),
        author: { handle: 'consumerdesk', followers: 1_250_000, verified: true },
      }),
    ]);
    const incs = (await deps.db.select().from(incidents)).filter((i) => i.rule === 'influential-negative');
    expect(incs).toHaveLength(0);
  });
});
