import { z } from 'zod';
import type { Clock } from '../src/clock.ts';
import type { Logger } from '../src/log.ts';
import { type MentionInput, mentionInputSchema } from '../src/mention.ts';
import type { HttpClient } from '../src/net/types.ts';
import { escapeHtml } from './_lib/html.ts';

export type { HttpClient, HttpRequestOptions, HttpResponse } from '../src/net/types.ts';

export interface CollectContext<Cursor> {
  http: HttpClient;
  log: Logger;
  clock: Clock;
  signal: AbortSignal;
  /** The cursor committed by the last successful page, or null on the first run. */
  cursor: Cursor | null;
  /**
   * The backfill horizon: nothing published before it is stored, on any run and whatever the
   * cursor says (`runCollector` drops such items, so a collector need not filter). Collectors
   * use it as the lower bound of a first run. The core fixes it at the source's first run minus
   * `backfillDays`, so a source that was down for a while still gets what was posted meanwhile.
   */
  backfillSince: Date;
  /** Upper bound of pages for this run (a safety valve; collectors stop early when reached). */
  maxPages: number;
  /** Secrets resolved from the source's config (tokens, cookies); never log them. */
  secrets: Record<string, string>;
}

/**
 * One page of a run. The pipeline stores `mentions` and `cursor` in one transaction, so
 * the cursor must describe a state from which the next run neither skips nor repeats
 * anything once these mentions are committed. Mentions already stored are refreshed
 * (metrics updated), never duplicated, so re-polling a recent window is safe.
 */
export interface CollectPage<Cursor> {
  mentions: MentionInput[];
  cursor: Cursor;
  /**
   * Set on the last page of a failing run, when state must be committed before failing (quota
   * units spent after the last page): the core commits the page, then ends the run with this
   * error. Never yield a page in an error path and re-throw after it: the core may stop after
   * any page (the `maxPages` limit), and the error would be lost, a fault read as an ok run.
   */
  fault?: Error;
}

export interface CollectorDefinition<Options extends z.ZodType = z.ZodType, Cursor = unknown> {
  /** Equal to the file name, e.g. `hacker-news`. */
  id: string;
  /** Shown in `earshot sources` and docs. */
  description: string;
  /**
   * What `text` holds: `html`, markup the pipeline strips (the default), or `plain`, text as
   * written. The pipeline reads `text` as HTML, so the core escapes `&`, `<` and `>` of plain
   * text (`runCollector`) and the pipeline gives it back exactly: unescaped, "I <3 Acme -> best"
   * loses "<3 Acme ->" as a tag, the brand with it. Titles and author names are plain text for
   * every collector and always escaped.
   */
  textFormat?: 'html' | 'plain';
  /** zod schema of `options` in the source's config entry; it extends the config grammar. */
  options: Options;
  /** Names of secrets the source may take, e.g. `['token']`; values come from config env refs. */
  secrets?: readonly string[];
  /** Cron expression used when the config entry gives none. */
  defaultSchedule: string;
  /** Seed for the per-host limiter: requests per minute and concurrency. */
  rateLimit?: { perMinute: number; concurrency?: number };
  /**
   * Yield pages, newest data first or oldest first as the platform allows. Throw
   * `FetchError` / `SourceFault` for faults; never return an empty page for a captcha.
   */
  collect(ctx: CollectContext<Cursor>, options: z.output<Options>): AsyncIterable<CollectPage<Cursor>>;
}

/**
 * Define a source. One file per source in `collectors/`, one line in `collectors/index.ts`.
 *
 * @example
 * export const hackerNews = defineCollector({
 *   id: 'hacker-news', description: 'Hacker News via Algolia search',
 *   options: z.object({ query: z.string(), baseUrl: z.string().url().optional() }),
 *   defaultSchedule: '*\/15 * * * *',
 *   async *collect(ctx, opts) { ... yield { mentions, cursor }; },
 * });
 */
export function defineCollector<Options extends z.ZodType, Cursor>(
  def: CollectorDefinition<Options, Cursor>,
): CollectorDefinition<Options, Cursor> {
  return def;
}

/**
 * Options every collector accepts, checked (by the config loader and the API alike) before the
 * collector's own schema; each collector also declares the ones it reads, with its default.
 */
export const commonSourceOptions = z.object({ baseUrl: z.url().optional() });
export type CommonSourceOptions = z.output<typeof commonSourceOptions>;

/** Plain-text fields escaped, so the pipeline's HTML pass returns them as written. */
function asPipelineText(m: MentionInput, textFormat: 'html' | 'plain'): MentionInput {
  const str = (v: unknown) => (typeof v === 'string' ? escapeHtml(v) : v);
  return {
    ...m,
    text: textFormat === 'plain' ? (str(m.text) as string) : m.text,
    title: str(m.title) as MentionInput['title'],
    author: { ...m.author, name: str(m.author.name) as MentionInput['author']['name'] },
  };
}

/** When a mention was published, as the pipeline will read it; null when it cannot be read. */
function publishedAtOf(m: MentionInput): Date | null {
  const r = mentionInputSchema.shape.publishedAt.safeParse(m.publishedAt);
  return r.success ? r.data : null;
}

/**
 * Drive a collector as the core does, holding for every source what the contract promises the
 * pipeline, so no collector has to get it right on its own:
 * - at most `ctx.maxPages` pages; the collector is closed after the last one, never asked for
 *   another (which would fetch it);
 * - no mention published before `ctx.backfillSince` (counted in `skipped`), whatever the cursor;
 * - a page carrying `fault` is handed over, then the run ends with that error, also when the
 *   consumer stops right after that page.
 *
 * @example
 * for await (const page of runCollector(def, ctx, options)) await store(page.mentions, page.cursor);
 */
export async function* runCollector<Cursor>(
  def: CollectorDefinition,
  ctx: CollectContext<Cursor>,
  options: unknown,
): AsyncGenerator<CollectPage<Cursor> & { skipped: number }> {
  let pages = 0;
  for await (const page of def.collect(ctx as CollectContext<unknown>, options as never)) {
    pages++;
    const horizon = ctx.backfillSince.getTime();
    const mentions = page.mentions
      .filter((m) => {
        const at = publishedAtOf(m);
        return at === null || at.getTime() >= horizon;
      })
      .map((m) => asPipelineText(m, def.textFormat ?? 'html'));
    let handedOver = false;
    try {
      yield { mentions, cursor: page.cursor as Cursor, skipped: page.mentions.length - mentions.length };
      handedOver = true;
    } finally {
      // A consumer that stops at a fault page (a `break` at its page limit) still gets the fault:
      // thrown here, it rejects the consumer's return() and leaves its loop as an error.
      // biome-ignore lint/correctness/noUnsafeFinally: surfacing the fault is the purpose
      if (page.fault !== undefined && !handedOver) throw page.fault;
    }
    if (page.fault !== undefined) throw page.fault;
    if (pages >= ctx.maxPages) return;
  }
}
