import type { HostLimit } from '../../src/net/types.ts';

/**
 * Documented request budgets of the platforms the collectors talk to, per minute, by host. The
 * core seeds each client's per-host buckets with them (`hostLimits`); response headers then
 * lower the rate, never raise it.
 */
export const PLATFORM_LIMITS: Readonly<Record<string, HostLimit>> = {
  'oauth.reddit.com': { perMinute: 100, concurrency: 2 },
  'www.reddit.com': { perMinute: 10, concurrency: 1 },
  'hn.algolia.com': { perMinute: 100, concurrency: 2 },
  'api.twitter.com': { perMinute: 30, concurrency: 1 },
  'api.x.com': { perMinute: 30, concurrency: 1 },
  'bsky.social': { perMinute: 600, concurrency: 4 },
  'public.api.bsky.app': { perMinute: 600, concurrency: 4 },
  'www.googleapis.com': { perMinute: 60, concurrency: 2 },
  'itunes.apple.com': { perMinute: 20, concurrency: 1 },
  'play.google.com': { perMinute: 10, concurrency: 1 },
  'www.trustpilot.com': { perMinute: 10, concurrency: 1 },
  'm.weibo.cn': { perMinute: 10, concurrency: 1 },
  'weibo.cn': { perMinute: 10, concurrency: 1 },
};
