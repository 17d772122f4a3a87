import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels } from '../../alerts/channels/index.ts';
import { type AlertDeps, createAlertEngine } from '../../alerts/engine.ts';
import { alertsSchema } from '../../alerts/schema.ts';
import type { DbHandle } from '../../db/client.ts';
import { incidents, sources } from '../../db/schema/index.ts';
import { FakeClock } from '../../src/clock.ts';
import { EventBus } from '../../src/events.ts';
import { silentLogger } from '../../src/log.ts';
import { createScheduler } from '../helpers/fake-scheduler.ts';
import { openTestDb } from '../helpers/pg.ts';

let h: DbHandle;
beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await h?.close();
});

/** An engine built from exactly what AlertDeps names: no service, no pipeline, no API. */
function narrowDeps(): AlertDeps & { clock: FakeClock; events: EventBus } {
  return {
    db: h.db,
    clock: new FakeClock(new Date('2026-03-01T08:00:00Z')),
    log: silentLogger(),
    events: new EventBus(),
    scheduler: createScheduler(),
    signingKey: () => Buffer.alloc(32, 7),
    httpFor: () => {
      throw new Error('no channel is configured');
    },
    config: {
      config: {
        alerts: alertsSchema(channels).parse({}),
        network: { allowPrivate: [] },
        server: { host: '127.0.0.1', port: 8787 },
      },
      env: {},
    },
  };
}

describe('the alert engine on its narrow deps', () => {
  it('opens a collector-down incident on the first blocking fault and tells the event bus', async () => {
    const deps = narrowDeps();
    const now = deps.clock.now();
    await h.db.insert(sources).values({
      id: 'src_w',
      name: 'weibo-acme',
      type: 'weibo',
      options: {},
      schedule: '*/10 * * * *',
      origin: 'config',
      createdAt: now,
      updatedAt: now,
    });
    const engine = createAlertEngine(deps);
    const seen: string[] = [];
    deps.events.on('incident', (e) => seen.push(`${e.change}:${e.level}`));
    const notes = await engine.onSourceFault({
      sourceId: 'src_w',
      sourceName: 'weibo-acme',
      kind: 'login-wall',
      message: 'the platform answered with a login page',
      consecutiveFailures: 1,
      at: now,
    });
    expect(notes).toHaveLength(1);
    const rows = await h.db.select().from(incidents);
    expect(rows.map((r) => [r.rule, r.level, r.sourceId])).toEqual([['collector-down', 2, 'src_w']]);
    expect(seen).toEqual([`${notes[0]!.change}:2`]);
    expect(engine.ctx.publicUrl).toBe('http://127.0.0.1:8787');
  });
});
