import { asc } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { z } from 'zod';
import { type AlertEngine, createAlertEngine } from '../../alerts/engine.ts';
import { defineClassifier } from '../../classifiers/types.ts';
import type { DbHandle } from '../../db/client.ts';
import { incidents, outbox } from '../../db/schema/index.ts';
import { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import type { MentionInput } from '../../src/mention.ts';
import type { CommittedBatch } from '../../src/pipeline/ingest.ts';
import { makeDeps, makeMention } from '../helpers/harness.ts';
import { createTestHttpClient, type HttpSink, startHttpSink } from '../helpers/http-sink.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

/** Negative for "awful"/"太差", neutral for "meh", positive otherwise; crisis language for "recall"/"召回". */
export const alertsClassifier = defineClassifier({
  id: 'fake-alerts',
  version: '1',
  description: 'test sentiment and crisis',
  options: z.object({}),
  produces: ['sentiment', 'crisis'],
  classify: (_ctx, inputs) =>
    inputs.map((i) => {
      const neg = /awful|太差/.test(i.text);
      const neutral = !neg && /\bmeh\b/.test(i.text);
      const crisis = /recall|召回/.test(i.text);
      return {
        sentiment: neg
          ? { label: 'negative' as const, score: -0.8, confidence: 0.9 }
          : neutral
            ? { label: 'neutral' as const, score: 0, confidence: 0.9 }
            : { label: 'positive' as const, score: 0.6, confidence: 0.9 },
        ...(crisis
          ? { crisis: { score: 0.9, signals: [{ term: 'recall', category: 'safety', weight: 1 }] } }
          : {}),
      };
    }),
});

export const T0 = new Date('2026-11-25T08:00:00Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;

/** Brand Acme (bilingual), webhook channels `ops` (signed) and `lead`, policy `std`: ops at once, lead after 15 min. */
export function alertConfig(sinkUrl: string, over: Record<string, unknown> = {}) {
  return {
    brands: [{ name: 'Acme', query: 'acme OR 艾克米', locale: 'bilingual' }],
    alerts: {
      channels: [
        { name: 'ops', type: 'webhook', options: { url: `${sinkUrl}/ops` }, secrets: { secret: 'whsec' } },
        { name: 'lead', type: 'webhook', options: { url: `${sinkUrl}/lead` } },
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

export interface AlertsHarness {
  h: DbHandle;
  sink: HttpSink;
  clock: FakeClock;
  deps: Deps;
  engine: AlertEngine;
  batches: CommittedBatch[];
  /** Deps over the same database (a new process), recording committed batches. */
  build(config?: Record<string, unknown>): Promise<Deps>;
  /** Push mentions through the pipeline and evaluate the committed batch. */
  ingest(items: unknown[], engine?: AlertEngine, deps?: Deps): ReturnType<AlertEngine['evaluate']>;
  rows(): Promise<(typeof outbox.$inferSelect)[]>;
  incidents(): Promise<(typeof incidents.$inferSelect)[]>;
}

/**
 * The storage-suite alerting fixture: a database truncated per test, a webhook sink answering
 * 200, a fake clock at `T0`, config from `alertConfig` synced, and an engine (stopped after).
 */
export function useAlertsHarness(config: (sinkUrl: string) => Record<string, unknown> = alertConfig) {
  const t = { batches: [] as CommittedBatch[] } as AlertsHarness;
  t.build = async (c = config(t.sink.url)) => {
    const d = await makeDeps({
      handle: t.h,
      clock: t.clock,
      classifiers: [alertsClassifier],
      config: c,
      httpFactory: () => createTestHttpClient({ clock: t.clock }),
    });
    d.events.on('mentions', (b) => t.batches.push(b));
    return d;
  };
  t.ingest = async (items, e = t.engine, d = t.deps) => {
    await d.pipeline.processBatch(items, { origin: 'test' });
    return e.evaluate(t.batches.at(-1)!);
  };
  t.rows = () => t.deps.db.select().from(outbox).orderBy(asc(outbox.seq));
  t.incidents = () => t.deps.db.select().from(incidents);
  beforeAll(async () => {
    t.h = await openTestDb();
    t.sink = await startHttpSink();
  });
  afterAll(async () => {
    await t.sink.close();
    await t.h.close();
  });
  beforeEach(async () => {
    await truncateAll(t.h);
    t.sink.requests.length = 0;
    t.sink.reply({ status: 200, body: 'ok' });
    t.clock = new FakeClock(T0);
    t.batches = [];
    t.deps = await t.build();
    await syncConfig(t.deps);
    t.engine = createAlertEngine(t.deps, { publicUrl: 'https://earshot.example' });
  });
  afterEach(async () => {
    await t.engine.stop();
  });
  return t;
}

/** `n` negative posts about Acme ending at `at`, one a second, from `authors` distinct authors (default n). */
export function burst(
  at: Date,
  n: number,
  opts: { authors?: number; text?: string; platform?: string } = {},
): MentionInput[] {
  return Array.from({ length: n }, (_, i) =>
    makeMention({
      platform: opts.platform ?? 'weibo',
      text: opts.text ?? `acme is awful, order ${i} never arrived`,
      publishedAt: new Date(at.getTime() - i * 1000).toISOString(),
      author: { handle: `angry${i % (opts.authors ?? n)}`, followers: 100 },
    }),
  );
}

/**
 * Ordinary history for Acme: every hour in [from, to), `negative` negative and `positive`
 * positive posts, spread over the hour, each by its own author. Ingested without evaluating.
 */
export async function seedHistory(
  t: AlertsHarness,
  opts: { from: Date; to: Date; negative: number; positive: number },
): Promise<number> {
  const items: MentionInput[] = [];
  for (let hour = opts.from.getTime(); hour < opts.to.getTime(); hour += HOUR) {
    const n = opts.negative + opts.positive;
    for (let i = 0; i < n; i++) {
      const neg = i < opts.negative;
      items.push(
        makeMention({
          platform: 'weibo',
          text: `acme ${neg ? 'awful' : 'lovely'} day ${hour / HOUR} note ${i}`,
          publishedAt: new Date(hour + Math.floor(((i + 0.5) * HOUR) / n)).toISOString(),
          author: { handle: `regular-${hour / HOUR}-${i}`, followers: 50 },
        }),
      );
    }
  }
  for (let i = 0; i < items.length; i += 2000)
    await t.deps.pipeline.processBatch(items.slice(i, i + 2000), { origin: 'test' });
  return items.length;
}
