import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCollector } from '../../collectors/types.ts';
import type { DbHandle } from '../../db/client.ts';
import { sourceHealth, sourceRuns, sources } from '../../db/schema/index.ts';
import { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import { healthView } from '../../src/pipeline/health.ts';
import { runSource } from '../../src/pipeline/run-source.ts';
import { startService } from '../../src/service.ts';
import { makeDeps, makeMention } from '../helpers/harness.ts';
import { openTestDb } from '../helpers/pg.ts';

/** A source whose second run is "killed" mid-way: its page never comes. */
let calls = 0;
const flaky = defineCollector({
  id: 'flaky',
  description: 'one page, or a run that never ends',
  options: z.object({}),
  defaultSchedule: '0 0 1 1 *',
  async *collect() {
    if (++calls === 2) await new Promise(() => {});
    yield { mentions: [makeMention({ text: 'acme kettle' })], cursor: { n: 1 } };
  },
});

let h: DbHandle;
beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await h?.close();
});

describe('collector runs killed mid-way', () => {
  it('are closed as interrupted by the next start, and the source health shows it', async () => {
    calls = 0;
    const clock = new FakeClock(new Date('2026-11-25T08:00:00Z'));
    const config = {
      brands: [{ name: 'Acme', query: 'acme' }],
      sources: [{ name: 'f', type: 'flaky', options: {} }],
    };
    const first = await makeDeps({ handle: h, clock, collectors: [flaky], config });
    await syncConfig(first);
    const [src] = await first.db.select().from(sources).where(eq(sources.name, 'f'));
    expect(await runSource(first, src!)).toMatchObject({ status: 'ok', stored: 1 });
    // The process dies during the next run: its row stays `running`.
    void runSource(first, src!);
    const deadline = Date.now() + 10_000;
    while ((await first.db.select().from(sourceRuns).where(eq(sourceRuns.status, 'running'))).length === 0) {
      if (Date.now() > deadline) throw new Error('the run never started');
      await new Promise((r) => setImmediate(r));
    }

    clock.set(new Date('2026-11-25T09:00:00Z').getTime());
    const next = await makeDeps({ handle: h, clock, collectors: [flaky], config });
    const svc = await startService(next, { port: 0, host: '127.0.0.1' });
    try {
      const runs = await next.db.select().from(sourceRuns).orderBy(sourceRuns.startedAt);
      expect(runs.map((r) => r.status)).toEqual(['ok', 'interrupted']);
      expect(runs[1]).toMatchObject({ errorKind: 'interrupted', finishedAt: clock.now() });
      const [health] = await next.db.select().from(sourceHealth).where(eq(sourceHealth.sourceId, src!.id));
      const view = healthView(src!, health, clock.now());
      expect(view.lastError).toMatchObject({ kind: 'interrupted', at: clock.now().toISOString() });
      expect(view.lastError!.message).toContain('was interrupted');
      // Not a failure of the source: its state and failure count stay.
      expect(view).toMatchObject({ state: 'ok', consecutiveFailures: 0 });
    } finally {
      await svc.stop();
      await first.close();
    }
  });
});
