import { sql } from 'drizzle-orm';
import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './_types.ts';

export interface BrandSettings {
  aliases?: string[];
  locale?: 'en' | 'zh' | 'bilingual';
  topics?: Record<string, string[]>;
  retentionDays?: number;
  alerts?: Record<string, unknown>;
}

export const brands = pgTable('brands', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  query: text('query').notNull(),
  competitors: jsonb('competitors').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  settings: jsonb('settings').$type<BrandSettings>().notNull().default(sql`'{}'::jsonb`),
  /** 'config' rows are re-synced from earshot.yaml at start; 'api' rows live only in the database. */
  origin: text('origin').$type<'config' | 'api'>().notNull().default('api'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
