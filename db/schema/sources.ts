import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, real, text } from 'drizzle-orm/pg-core';
import { ts } from './_types.ts';

export const sources = pgTable('sources', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  type: text('type').notNull(),
  options: jsonb('options').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  /** AES-256-GCM envelope of a JSON object of secrets (tokens, cookies); never returned by the API. */
  secretsEnc: text('secrets_enc'),
  schedule: text('schedule').notNull(),
  enabled: boolean('enabled').notNull().default(true),
  allowPrivateNetwork: boolean('allow_private_network').notNull().default(false),
  backfillDays: integer('backfill_days').notNull().default(7),
  origin: text('origin').$type<'config' | 'api'>().notNull().default('api'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export type SourceState = 'ok' | 'failing' | 'blocked' | 'silent' | 'never-run';

export const sourceHealth = pgTable('source_health', {
  sourceId: text('source_id')
    .primaryKey()
    .references(() => sources.id, { onDelete: 'cascade' }),
  state: text('state').$type<SourceState>().notNull().default('never-run'),
  lastRunAt: ts('last_run_at'),
  lastSuccessAt: ts('last_success_at'),
  lastErrorAt: ts('last_error_at'),
  lastErrorKind: text('last_error_kind'),
  lastErrorMessage: text('last_error_message'),
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
  runs: integer('runs').notNull().default(0),
  lastItems: integer('last_items').notNull().default(0),
  /** Exponentially weighted mean of items per successful run. */
  avgItems: real('avg_items').notNull().default(0),
  /** Newest published_at among the source's stored mentions: lag = now - this. */
  lastMentionAt: ts('last_mention_at'),
  /** When the source last yielded at least one new mention. */
  lastNewAt: ts('last_new_at'),
  /** Mean seconds between runs that yielded new mentions (for "silent beyond its usual rate"). */
  avgNewIntervalSec: real('avg_new_interval_sec'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const sourceRuns = pgTable(
  'source_runs',
  {
    id: text('id').primaryKey(),
    sourceId: text('source_id')
      .notNull()
      .references(() => sources.id, { onDelete: 'cascade' }),
    startedAt: ts('started_at').notNull(),
    finishedAt: ts('finished_at'),
    status: text('status').$type<'running' | 'ok' | 'fault' | 'interrupted'>().notNull(),
    pages: integer('pages').notNull().default(0),
    items: integer('items').notNull().default(0),
    stored: integer('stored').notNull().default(0),
    duplicates: integer('duplicates').notNull().default(0),
    errorKind: text('error_kind'),
    errorMessage: text('error_message'),
  },
  (t) => [index('source_runs_source_started_idx').on(t.sourceId, t.startedAt)],
);

/** Opaque resume state, keyed `source:<id>` or `file:<sha256>`; written in the same transaction as the rows it covers. */
export const cursors = pgTable('cursors', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<unknown>().notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** One row per committed pipeline batch: what came in and what happened to it. */
export const ingestBatches = pgTable(
  'ingest_batches',
  {
    id: text('id').primaryKey(),
    origin: text('origin').notNull(),
    sourceId: text('source_id'),
    received: integer('received').notNull(),
    stored: integer('stored').notNull(),
    duplicates: integer('duplicates').notNull(),
    rejected: integer('rejected').notNull(),
    committedAt: ts('committed_at').notNull().defaultNow(),
  },
  (t) => [index('ingest_batches_origin_idx').on(t.origin, t.committedAt)],
);
