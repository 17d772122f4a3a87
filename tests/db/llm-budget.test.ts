import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { llm } from '../../classifiers/llm.ts';
import type { ClassifierInput } from '../../classifiers/types.ts';
import type { DbHandle } from '../../db/client.ts';
import { dbBudgetStore } from '../../db/repo/classifiers.ts';
import { llmBudget, llmCache } from '../../db/schema/index.ts';
import type { RuntimeConfig } from '../../src/config/load.ts';
import { configSchema } from '../../src/config/schema.ts';
import { createDeps, type Deps } from '../../src/deps.ts';
import { silentLogger } from '../../src/log.ts';
import { validateQuery } from '../../src/query/index.ts';
import {
  answerAll,
  type FakeAnthropic,
  type FakeMessageRequest,
  startFakeAnthropic,
} from '../helpers/fake-anthropic.ts';
import { createScheduler } from '../helpers/fake-scheduler.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

let h: DbHandle;
let fake: FakeAnthropic;

beforeAll(async () => {
  h = await openTestDb();
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  await fake?.close();
  await h?.close();
});
beforeEach(async () => {
  await truncateAll(h);
  fake.requests.length = 0;
});

/** A service's deps as `earshot start` builds them, with the registry's LLM pass and a key. */
function service(budget: number): Promise<Deps> {
  const config: RuntimeConfig = {
    file: 'test.yaml',
    config: configSchema({ collectors: [], channels: [], classifiers: [llm] }, validateQuery).parse({
      classifiers: {
        options: { llm: { enabled: true, baseURL: fake.url, dailyTokenBudget: budget, maxRetries: 0 } },
      },
    }),
    env: {
      dataDir: mkdtempSync(path.join(tmpdir(), 'earshot-test-')),
      logLevel: 'silent',
      secretKey: 'test-secret-key-material',
      anthropicApiKey: 'sk-test',
    },
  };
  return createDeps(config, {
    collectors: [],
    classifiers: [llm],
    httpFactory: () => {
      throw new Error('no HTTP in this test');
    },
    log: silentLogger(),
    handle: h,
    scheduler: createScheduler(),
  });
}

const item = (id: string, text: string): ClassifierInput => ({
  id,
  text,
  brands: [{ id: 'brd_acme', name: 'Acme', terms: ['acme'] }],
});
const today = () => new Date().toISOString().slice(0, 10);

describe('LLM budget and cache in the database', () => {
  it('a rebuilt service sees the tokens spent today and stops at the budget', async () => {
    // Each request reports 3,000 tokens; the budget leaves room for one request but not two.
    const answer = answerAll('negative') as (req: FakeMessageRequest) => { text: string };
    fake.fallback = (req) => ({ text: answer(req).text, usage: { input_tokens: 2_500, output_tokens: 500 } });
    const first = await service(4_500);
    const a = await first.classifiers.run([item('a', 'acme kettle, hmm')]);
    expect(a.merged[0]!.sentiment?.label).toBe('negative');
    expect(fake.requests).toHaveLength(1);
    await first.close();

    const second = await service(4_500);
    const b = await second.classifiers.run([item('b', 'acme kettle again, not sure')]);
    expect(b.merged[0]).toEqual({});
    expect(fake.requests).toHaveLength(1);
    expect(await dbBudgetStore(h.db).get(today())).toEqual({ input: 2_500, output: 500 });
    const rows = await h.db.select().from(llmBudget);
    expect(rows).toHaveLength(1);

    // Control: with a larger budget the same rebuilt service does send (the stop above was the budget).
    const third = await service(100_000);
    const c = await third.classifiers.run([item('c', 'acme kettle again, not sure')]);
    expect(c.merged[0]!.sentiment?.label).toBe('negative');
    expect(fake.requests).toHaveLength(2);
    expect(await dbBudgetStore(h.db).get(today())).toEqual({ input: 5_000, output: 1_000 });
  });

  it('validated results are cached across a restart: the same text is not sent twice', async () => {
    fake.fallback = answerAll('positive');
    const first = await service(100_000);
    await first.classifiers.run([item('a', 'acme kettle, hmm')]);
    expect(fake.requests).toHaveLength(1);
    expect(await h.db.select().from(llmCache)).toHaveLength(1);
    await first.close();

    const second = await service(100_000);
    const again = await second.classifiers.run([item('x', 'Acme  kettle, hmm')]);
    expect(fake.requests).toHaveLength(1);
    expect(again.merged[0]!.sentiment?.label).toBe('positive');
    expect(again.merged[0]!.extra).toMatchObject({ llm: { cached: true } });
  });

  it('concurrent additions are never lost', async () => {
    const store = dbBudgetStore(h.db);
    await Promise.all(Array.from({ length: 20 }, () => store.add('2026-11-25', { input: 10, output: 1 })));
    expect(await store.get('2026-11-25')).toEqual({ input: 200, output: 20 });
    expect(await store.get('2026-11-24')).toEqual({ input: 0, output: 0 });
  });
});
