import robotsParserModule from 'robots-parser';
import type { Clock } from '../../src/clock.ts';
import { FetchError, SourceFault } from '../../src/errors.ts';
import type { HttpClient } from '../../src/net/types.ts';

interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
}

// The package's types declare an ES default export over a CommonJS function export.
const robotsParser = robotsParserModule as unknown as (url: string, contents: string) => Robot;

interface Entry {
  robot: Robot | 'allow-all' | 'disallow-all';
  fetchedAt: number;
}

/**
 * robots.txt per origin, cached per HTTP client (one per service) for `ttlMs`.
 *
 * Why keyed by the client: plugins hold no module singletons, and the client is the longest-lived
 * object a collector receives; a WeakMap lets the cache go with it. Per RFC 9309, a 4xx robots.txt
 * allows everything and a 5xx (the site cannot tell us) disallows everything until it answers.
 */
const caches = new WeakMap<HttpClient, Map<string, Entry>>();

export const ROBOTS_AGENT = 'Earshot';

export async function robotsAllows(
  http: HttpClient,
  clock: Clock,
  pageUrl: string,
  opts: { signal?: AbortSignal; ttlMs?: number; agent?: string } = {},
): Promise<boolean> {
  const origin = new URL(pageUrl).origin;
  let cache = caches.get(http);
  if (!cache) {
    cache = new Map();
    caches.set(http, cache);
  }
  const now = clock.now().getTime();
  let entry = cache.get(origin);
  if (!entry || now - entry.fetchedAt > (opts.ttlMs ?? 24 * 3_600_000)) {
    const robotsUrl = `${origin}/robots.txt`;
    let robot: Entry['robot'];
    try {
      const res = await http.get(robotsUrl, {
        acceptStatus: [200, 301, 302, 400, 401, 403, 404, 410, 451, 500, 502, 503, 504],
        retries: 0,
        maxBytes: 512 * 1024,
        signal: opts.signal,
      });
      if (res.status === 200) robot = robotsParser(robotsUrl, res.text());
      else if (res.status >= 500) robot = 'disallow-all';
      else robot = 'allow-all';
    } catch (err) {
      if (err instanceof FetchError && err.failure === 'too-large') robot = 'allow-all';
      else throw err;
    }
    entry = { robot, fetchedAt: now };
    cache.set(origin, entry);
  }
  if (entry.robot === 'allow-all') return true;
  if (entry.robot === 'disallow-all') return false;
  return entry.robot.isAllowed(pageUrl, opts.agent ?? ROBOTS_AGENT) !== false;
}

/** Throw `blocked` when robots.txt disallows the page. */
export async function assertRobotsAllow(
  http: HttpClient,
  clock: Clock,
  pageUrl: string,
  opts: { signal?: AbortSignal; agent?: string } = {},
): Promise<void> {
  if (!(await robotsAllows(http, clock, pageUrl, opts)))
    throw new SourceFault(
      'blocked',
      `robots.txt of ${new URL(pageUrl).host} disallows ${new URL(pageUrl).pathname}`,
      {
        context: { url: new URL(pageUrl).origin + new URL(pageUrl).pathname },
      },
    );
}
