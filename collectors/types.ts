import type { z } from 'zod';
import type { Clock } from '../src/clock.ts';
import type { Logger } from '../src/log.ts';
import type { MentionInput } from '../src/mention.ts';

import type { HttpClient } from '../src/net/types.ts';

export type { HttpClient, HttpRequestOptions, HttpResponse } from '../src/net/types.ts';

export interface CollectContext<Cursor> {
  http: HttpClient;
  log: Logger;
  clock: Clock;
  signal: AbortSignal;
  /** The cursor committed by the last successful page, or null on the first run. */
  cursor: Cursor | null;
  /** On a first run, how far back to go (backfill depth). */
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
}

export interface CollectorDefinition<Options extends z.ZodType = z.ZodType, Cursor = unknown> {
  /** Equal to the file name, e.g. `hacker-news`. */
  id: string;
  /** Shown in `earshot sources` and docs. */
  description: string;
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

/** Options every collector accepts, merged into each collector's own schema by the config loader. */
export interface CommonSourceOptions {
  baseUrl?: string;
}
