import {
  type CollectContext,
  type CollectorDefinition,
  type CollectPage,
  runCollector,
} from '../../collectors/types.ts';
import type { Clock } from '../../src/clock.ts';
import { silentLogger } from '../../src/log.ts';
import { createHttpClient, type HttpClientOptions } from '../../src/net/http.ts';
import type { HttpClient } from '../../src/net/types.ts';

/** The real HTTP layer, allowed to reach the local fixture server, with tiny waits. */
export function testHttp(o: HttpClientOptions = {}): HttpClient {
  return createHttpClient({
    allowPrivate: ['127.0.0.0/8'],
    retries: 0,
    backoffBaseMs: 1,
    maxRetryWaitMs: 100,
    timeouts: { headersMs: 500, bodyMs: 500, connectMs: 500 },
    random: () => 0.5,
    // The replay server is one host for every source: no real-time throttling in tests.
    defaultLimit: { perMinute: 1_000_000, concurrency: 16 },
    ...o,
  });
}

/** A clock whose sleeps return at once and are recorded (waits are asserted, not slept). */
export function recordingClock(start = new Date('2026-11-25T08:00:00Z')): Clock & { slept: number[] } {
  const slept: number[] = [];
  let t = start.getTime();
  return {
    slept,
    now: () => new Date(t),
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

export function ctxFor<C>(
  http: HttpClient,
  cursor: C | null = null,
  over: Partial<CollectContext<C>> = {},
): CollectContext<C> {
  return {
    http,
    log: silentLogger(),
    clock: recordingClock(),
    signal: new AbortController().signal,
    cursor,
    backfillSince: new Date('1990-01-01T00:00:00Z'),
    maxPages: 50,
    secrets: {},
    ...over,
  };
}

/**
 * Run a collector as the pipeline does (`runCollector`: page limit, backfill horizon, fault
 * pages) to the end or to its first error, returning the pages it yielded.
 */
export async function collectPages<C>(
  def: CollectorDefinition,
  ctx: CollectContext<C>,
  options: unknown,
): Promise<{ pages: CollectPage<C>[]; error?: unknown }> {
  const pages: CollectPage<C>[] = [];
  try {
    for await (const { skipped: _skipped, ...p } of runCollector(def, ctx, def.options.parse(options)))
      pages.push(p as CollectPage<C>);
    return { pages };
  } catch (error) {
    return { pages, error };
  }
}
