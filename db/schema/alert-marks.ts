import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './_types.ts';
import { brands } from './brands.ts';

/**
 * "To evaluate" marks: one row per committed batch and brand it touched, written in the batch's
 * transaction and deleted in the transaction of the alert evaluation that handled it, so a
 * crash between the two leaves the mark and the next engine (after a restart, or another
 * process) finishes it. Evaluation takes a brand's marks together, in order, one brand at a
 * time per process (`FOR UPDATE SKIP LOCKED` plus a per-brand advisory lock), so several
 * engines on PostgreSQL share the work without evaluating one brand twice at once.
 */
export const alertMarks = pgTable(
  'alert_marks',
  {
    id: text('id').primaryKey(),
    brandId: text('brand_id')
      .notNull()
      .references(() => brands.id, { onDelete: 'cascade' }),
    batchId: text('batch_id').notNull(),
    /** New mentions of the batch linked to this brand (influential, crisis, spike rules). */
    mentionIds: jsonb('mention_ids').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Stored mentions of this brand whose engagement the batch refreshed (viral rule). */
    updatedIds: jsonb('updated_ids').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: ts('created_at').notNull(),
    /** Failed evaluations so far; the mark stays and is retried on the next pass. */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [index('alert_marks_brand_created_idx').on(t.brandId, t.createdAt)],
);
