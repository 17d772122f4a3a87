import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { ts, tsvector } from './_types.ts';
import { brands } from './brands.ts';

export const mentions = pgTable(
  'mentions',
  {
    id: text('id').primaryKey(),
    platform: text('platform').notNull(),
    externalId: text('external_id').notNull(),
    url: text('url'),
    authorHandle: text('author_handle').notNull(),
    authorName: text('author_name'),
    authorFollowers: integer('author_followers'),
    authorVerified: boolean('author_verified'),
    authorUrl: text('author_url'),
    text: text('text').notNull(),
    title: text('title'),
    lang: text('lang'),
    langConfidence: real('lang_confidence'),
    publishedAt: ts('published_at').notNull(),
    collectedAt: ts('collected_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    likes: integer('likes'),
    shares: integer('shares'),
    replies: integer('replies'),
    views: integer('views'),
    parentId: text('parent_id'),
    threadId: text('thread_id'),
    sourceId: text('source_id'),
    /** Id of the first stored mention of the same story (near-duplicate cluster); itself when original. */
    storyId: text('story_id').notNull(),
    /**
     * 64-bit SimHash as 16 hex chars, and its four 16-bit bands for candidate lookup. Only
     * story originals (id = story_id) are indexed: a new mention is compared with originals, so a
     * flood of copies does not grow the candidate set.
     */
    simhash: text('simhash'),
    sh0: integer('sh0'),
    sh1: integer('sh1'),
    sh2: integer('sh2'),
    sh3: integer('sh3'),
    sentimentLabel: text('sentiment_label').$type<'positive' | 'negative' | 'neutral'>(),
    sentimentScore: real('sentiment_score'),
    sentimentConfidence: real('sentiment_confidence'),
    crisisScore: real('crisis_score'),
    spamScore: real('spam_score'),
    topics: jsonb('topics').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Every classifier's output keyed by `<id>@<version>`, so mentions can be re-classified later. */
    classifications: jsonb('classifications')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** Manual corrections (community manager labels) that override classifier output. */
    labels: jsonb('labels').$type<Record<string, unknown>>(),
    raw: jsonb('raw').$type<unknown>(),
    /** Folded, segmented text (CJK split into words) that the full-text index is built from. */
    searchText: text('search_text').notNull().default(''),
    searchTsv: tsvector('search_tsv').generatedAlwaysAs(sql`to_tsvector('simple'::regconfig, search_text)`),
  },
  (t) => [
    uniqueIndex('mentions_platform_external_uq').on(t.platform, t.externalId),
    index('mentions_published_idx').on(t.publishedAt, t.id),
    index('mentions_story_idx').on(t.storyId),
    index('mentions_author_idx').on(t.platform, t.authorHandle),
    index('mentions_sh0_idx').on(t.sh0).where(sql`id = story_id`),
    index('mentions_sh1_idx').on(t.sh1).where(sql`id = story_id`),
    index('mentions_sh2_idx').on(t.sh2).where(sql`id = story_id`),
    index('mentions_sh3_idx').on(t.sh3).where(sql`id = story_id`),
    index('mentions_search_idx').using('gin', t.searchTsv),
  ],
);

/** Which brands a mention matched, with the sentiment toward each brand (target sentiment). */
export const mentionBrands = pgTable(
  'mention_brands',
  {
    mentionId: text('mention_id')
      .notNull()
      .references(() => mentions.id, { onDelete: 'cascade' }),
    brandId: text('brand_id')
      .notNull()
      .references(() => brands.id, { onDelete: 'cascade' }),
    /** Copied from the mention so brand feeds and rollups need no join. */
    publishedAt: ts('published_at').notNull(),
    sentimentLabel: text('sentiment_label').$type<'positive' | 'negative' | 'neutral'>(),
    sentimentScore: real('sentiment_score'),
  },
  (t) => [
    primaryKey({ columns: [t.mentionId, t.brandId] }),
    index('mention_brands_brand_published_idx').on(t.brandId, t.publishedAt, t.mentionId),
  ],
);

/** Engagement over time, one row per re-poll that changed a count (virality is an alert signal). */
export const metricSnapshots = pgTable(
  'metric_snapshots',
  {
    mentionId: text('mention_id')
      .notNull()
      .references(() => mentions.id, { onDelete: 'cascade' }),
    at: ts('at').notNull(),
    likes: integer('likes'),
    shares: integer('shares'),
    replies: integer('replies'),
    views: integer('views'),
  },
  (t) => [primaryKey({ columns: [t.mentionId, t.at] })],
);
