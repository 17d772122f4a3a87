import type { CollectorDefinition, HttpClient } from '../../collectors/types.ts';
import { silentLogger } from '../log.ts';

/** Thrown by the recording client so a dry run stops at the request it recorded. */
class DryRunStop extends Error {}

/** Requests a dry run records at most (a collector that swallows errors and keeps asking). */
const MAX_RECORDED = 8;

/** Every absolute http(s)/ws(s) URL among the option values, as origins. */
function originsInOptions(v: unknown, out: Set<string>, depth = 0): void {
  if (depth > 16) return;
  if (typeof v === 'string') {
    if (!/^(https?|wss?):\/\//i.test(v.trim())) return;
    try {
      out.add(new URL(v.trim()).origin);
    } catch {
      /* not a URL */
    }
    return;
  }
  if (v && typeof v === 'object')
    for (const x of Object.values(v as Record<string, unknown>)) originsInOptions(x, out, depth + 1);
}

/**
 * The origins a source would send requests (and with them its secrets) to, found generically,
 * for any collector: every URL among its options (defaults applied), plus the origins of the
 * first requests the collector itself makes in a dry run against a recording HTTP client that
 * answers nothing. The dry run covers options that decide the host without being URLs (an
 * instance name, a region) and the collector's built-in hosts; no network is touched.
 *
 * @example
 * await destinationsOf(mastodon, { baseUrl: 'https://mastodon.social', hashtag: 'acme' }, ['token'])
 * // Set { 'https://mastodon.social' }
 */
export async function destinationsOf(
  collector: CollectorDefinition,
  options: Record<string, unknown>,
  secretNames: readonly string[],
): Promise<Set<string>> {
  const out = new Set<string>();
  originsInOptions(options, out);
  const ac = new AbortController();
  let recorded = 0;
  const record = async (url: string): Promise<never> => {
    try {
      out.add(new URL(url).origin);
    } catch {
      /* a relative or malformed URL goes nowhere */
    }
    if (++recorded >= MAX_RECORDED) ac.abort();
    throw new DryRunStop('dry run');
  };
  const http: HttpClient = { request: (url) => record(url), get: (url) => record(url) };
  const now = new Date();
  try {
    const run = collector
      .collect(
        {
          http,
          log: silentLogger(),
          clock: { now: () => now, sleep: () => Promise.reject(new DryRunStop('no waiting in a dry run')) },
          signal: ac.signal,
          cursor: null,
          backfillSince: new Date(now.getTime() - 7 * 86_400_000),
          maxPages: 1,
          secrets: Object.fromEntries(secretNames.map((n) => [n, 'dry-run'])),
        },
        options as never,
      )
      [Symbol.asyncIterator]();
    for (let i = 0; i < MAX_RECORDED && !ac.signal.aborted; i++) {
      const step = await run.next();
      if (step.done) break;
    }
    await run.return?.(undefined);
  } catch {
    /* the run stopped at a recorded request, or failed before any: the options decide then */
  }
  return out;
}
