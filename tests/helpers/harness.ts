import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { channels } from '../../alerts/channels/index.ts';
import type { ClassifierDefinition } from '../../classifiers/types.ts';
import type { CollectorDefinition } from '../../collectors/types.ts';
import type { DbHandle } from '../../db/client.ts';
import { apiKeys, type Role } from '../../db/schema/index.ts';
import { type Clock, FakeClock } from '../../src/clock.ts';
import type { RuntimeConfig } from '../../src/config/load.ts';
import { configSchema } from '../../src/config/schema.ts';
import { type CreateDepsOptions, createDeps, type Deps } from '../../src/deps.ts';
import { newId } from '../../src/ids.ts';
import { silentLogger } from '../../src/log.ts';
import type { MentionInput } from '../../src/mention.ts';
import { validateQuery } from '../../src/query/index.ts';
import { generateApiKey } from '../../src/secrets.ts';
import { createScheduler } from './fake-scheduler.ts';

export interface HarnessOptions {
  handle: DbHandle;
  config?: Record<string, unknown>;
  collectors?: readonly CollectorDefinition[];
  classifiers?: readonly ClassifierDefinition[];
  httpFactory?: CreateDepsOptions['httpFactory'];
  clock?: Clock;
}

/**
 * Deps for a test: the given database, a fake clock, a silent logger, a manual scheduler,
 * and only the plugins the test names. Secrets use a throwaway key in a temp dir.
 */
export async function makeDeps(o: HarnessOptions): Promise<Deps & { clock: FakeClock | Clock }> {
  const collectors = o.collectors ?? [];
  const config: RuntimeConfig = {
    file: 'test.yaml',
    config: configSchema({ collectors, channels, classifiers: o.classifiers ?? [] }, validateQuery).parse(
      o.config ?? {},
    ),
    env: {
      dataDir: mkdtempSync(path.join(tmpdir(), 'earshot-test-')),
      logLevel: 'silent',
      secretKey: 'test-secret-key-material',
    },
  };
  return createDeps(config, {
    collectors,
    classifiers: o.classifiers ?? [],
    httpFactory:
      o.httpFactory ??
      (() => {
        const refuse = async (): Promise<never> => {
          throw new Error('this test configured no HTTP factory');
        };
        return { request: refuse, get: refuse };
      }),
    clock: o.clock ?? new FakeClock(new Date('2026-11-25T08:00:00Z')),
    log: silentLogger(),
    handle: o.handle,
    scheduler: createScheduler(),
  });
}

let seq = 0;
/** A valid mention with unique ids; override any field. */
export function makeMention(
  over: Partial<MentionInput> & { author?: Partial<MentionInput['author']> } = {},
): MentionInput {
  seq++;
  const { author, ...rest } = over;
  return {
    platform: 'test',
    externalId: `ext-${seq}-${Math.random().toString(36).slice(2, 8)}`,
    url: `https://example.com/p/${seq}`,
    text: `Acme post number ${seq}`,
    publishedAt: new Date(Date.UTC(2026, 10, 25, 7, 0, 0) - seq * 1000).toISOString(),
    metrics: { likes: 1 },
    ...rest,
    author: { handle: `user${seq}`, ...author },
  };
}

/** Create an API key of a role directly in the database; returns the bearer value. */
export async function makeKey(deps: Deps, role: Role): Promise<string> {
  const k = generateApiKey();
  await deps.db
    .insert(apiKeys)
    .values({ id: newId('key'), name: `test-${role}`, role, hash: k.hash, prefix: k.prefix });
  return k.key;
}
