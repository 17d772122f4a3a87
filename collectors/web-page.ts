import { z } from 'zod';
import { SourceFault } from '../src/errors.ts';
import { charsetOf, rebaseUrl, resolveUrl } from './_lib/html.ts';
import { decodePage, parseWebPage } from './_lib/parse-web-page.ts';
import { assertRobotsAllow } from './_lib/robots.ts';
import { defineCollector } from './types.ts';

export interface WebPageCursor {
  /** Ids already read (newest last, capped), to stop following next-page links. */
  seen: string[];
  /** The next page of an unfinished walk, to resume there. */
  next: string | null;
}

const selector = z.string().min(1).max(500);

const options = z
  .object({
    /** The page to read: an absolute URL, or a path; with `baseUrl` its path and query go under that base. */
    url: z.string().min(1),
    baseUrl: z.url().optional(),
    selectors: z
      .object({
        item: selector,
        text: selector,
        title: selector.optional(),
        author: selector.optional(),
        date: selector.optional(),
        link: selector.optional(),
        id: selector.optional(),
        next: selector.optional(),
      })
      .strict(),
    /** Platform name stored on the mentions, e.g. `forum.example`. */
    platform: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/)
      .max(64)
      .default('web'),
    maxPages: z.number().int().min(1).max(100).default(5),
    seenLimit: z.number().int().min(10).max(20_000).default(2000),
  })
  .strict();

/**
 * Any page read with CSS selectors from config (forums, review sites, an article as a one-item
 * page), following an optional next-page link while pages bring new items. robots.txt is
 * respected (cached per host): a disallowed page is a `blocked` fault, never an empty page.
 */
export const webPage = defineCollector({
  id: 'web-page',
  description: 'Any web page with configured CSS selectors (robots.txt respected)',
  textFormat: 'plain',
  options,
  defaultSchedule: '0 * * * *',
  rateLimit: { perMinute: 10, concurrency: 1 },
  async *collect(ctx, o) {
    const start = resolveUrl(o.baseUrl ? rebaseUrl(o.url, o.baseUrl) : o.url, null);
    if (!start) throw new SourceFault('blocked', `not an http(s) URL: ${o.url}`);
    const prev = ctx.cursor as WebPageCursor | null;
    const seen = new Set(prev?.seen ?? []);
    let url: string | null = prev?.next ?? start;
    const visited = new Set<string>();
    const pages = Math.min(o.maxPages, ctx.maxPages);
    for (let n = 0; n < pages && url && !visited.has(url); n++) {
      visited.add(url);
      await assertRobotsAllow(ctx.http, ctx.clock, url, { signal: ctx.signal });
      const res = await ctx.http.get(url, {
        headers: { accept: 'text/html,application/xhtml+xml' },
        signal: ctx.signal,
      });
      const charset = charsetOf(res.headers['content-type']);
      const page = parseWebPage(decodePage(res.body, charset), res.url, o.selectors, {
        platform: o.platform,
        collectedAt: ctx.clock.now(),
      });
      const fresh = page.mentions.filter((m) => !seen.has(String(m.externalId))).length;
      for (const m of page.mentions) {
        seen.delete(String(m.externalId));
        seen.add(String(m.externalId));
      }
      const more = page.nextUrl !== null && fresh > 0 && n + 1 < pages && !visited.has(page.nextUrl);
      const next = page.nextUrl !== null && fresh > 0 && !visited.has(page.nextUrl) ? page.nextUrl : null;
      yield {
        mentions: page.mentions,
        cursor: { seen: [...seen].slice(-o.seenLimit), next } satisfies WebPageCursor,
      };
      if (!more) return;
      url = next;
    }
  },
});
