import { afterAll, beforeAll, beforeEach } from 'vitest';
import { z } from 'zod';
import { type CollectorDefinition, defineCollector } from '../../collectors/types.ts';
import type { DbHandle } from '../../db/client.ts';
import { type AppOptions, createApp } from '../../src/api/app.ts';
import type { FakeClock } from '../../src/clock.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { type HarnessOptions, makeDeps, makeKey } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

export interface ApiSetup {
  collectors?: readonly CollectorDefinition[];
  config?: Record<string, unknown>;
  app?: AppOptions;
  classifiers?: HarnessOptions['classifiers'];
}

export interface ApiContext {
  h: DbHandle;
  deps: Deps & { clock: FakeClock };
  app: ReturnType<typeof createApp>;
  admin: string;
  editor: string;
  viewer: string;
  /** A request with a bearer key; objects are sent as JSON, strings as they are. */
  call(
    method: string,
    path: string,
    key?: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
}

/**
 * One database per test file (the driver the vitest project names), emptied before each test,
 * with fresh deps, app and one key per role.
 *
 * @example
 * const t = useApi({ config: { brands: [{ name: 'Acme', query: 'acme' }] } });
 * it('lists', async () => expect((await t.call('GET', '/v1/brands', t.viewer)).status).toBe(200));
 */
export function useApi(setup: ApiSetup = {}): ApiContext {
  const t = {} as ApiContext;
  beforeAll(async () => {
    t.h = await openTestDb();
  });
  afterAll(async () => {
    await t.h?.close();
  });
  beforeEach(async () => {
    await truncateAll(t.h);
    t.deps = (await makeDeps({
      handle: t.h,
      collectors: setup.collectors,
      classifiers: setup.classifiers,
      config: setup.config ?? { brands: [{ name: 'Acme', query: '"acme"' }] },
    })) as Deps & { clock: FakeClock };
    await syncConfig(t.deps);
    t.app = createApp(t.deps, setup.app);
    [t.admin, t.editor, t.viewer] = await Promise.all([
      makeKey(t.deps, 'admin'),
      makeKey(t.deps, 'editor'),
      makeKey(t.deps, 'viewer'),
    ]);
  });
  t.call = (method, path, key, payload, headers = {}) =>
    Promise.resolve(
      t.app.request(path, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(payload !== undefined && typeof payload !== 'string'
            ? { 'content-type': 'application/json' }
            : {}),
          ...headers,
        },
        body:
          payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
      }),
    );
  return t;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
export const json = async (r: Promise<Response> | Response): Promise<any> => (await r).json();

/** Assert the error envelope and return its `error`. */
export async function envelope(r: Response, status: number) {
  const text = await r.text();
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${text.slice(0, 300)}`);
  // biome-ignore lint/suspicious/noExplicitAny: the envelope is checked field by field
  const b = JSON.parse(text) as any;
  if (!b?.error || typeof b.error.code !== 'string' || typeof b.error.message !== 'string')
    throw new Error(`not the error envelope: ${text.slice(0, 300)}`);
  if (typeof b.error.requestId !== 'string') throw new Error(`no requestId: ${text.slice(0, 300)}`);
  return b.error as { code: string; message: string; field?: string; details?: unknown[] };
}

/** A source type that takes a URL and a `token` secret, for API tests of sources. */
export const tokenSource = defineCollector({
  id: 'token-source',
  description: 'needs a token',
  options: z.object({ url: z.url() }),
  secrets: ['token'],
  defaultSchedule: '*/30 * * * *',
  async *collect() {},
});
