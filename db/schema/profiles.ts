import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
} from 'drizzle-orm/pg-core';
import { ts } from './_types.ts';

/**
 * One row per author (platform + handle), updated set-based in the ingest transaction, so a
 * restart loses nothing. Influence and tier are recomputed on every update and by the daily
 * profile job (platform statistics drift as data grows); docs/profiles.md has the formula.
 */
export const authors = pgTable(
  'authors',
  {
    platform: text('platform').notNull(),
    handle: text('handle').notNull(),
    name: text('name'),
    url: text('url'),
    /** Latest follower count seen (from the newest post). */
    followers: integer('followers'),
    verified: boolean('verified'),
    posts: integer('posts').notNull().default(0),
    /** Sum of likes + shares + replies over the author's posts, as first seen. */
    engagement: bigint('engagement', { mode: 'number' }).notNull().default(0),
    views: bigint('views', { mode: 'number' }).notNull().default(0),
    /** Sum of followers at the time of each post: potential impressions. */
    reach: bigint('reach', { mode: 'number' }).notNull().default(0),
    spamSum: real('spam_sum').notNull().default(0),
    spamN: integer('spam_n').notNull().default(0),
    firstSeenAt: ts('first_seen_at').notNull(),
    lastSeenAt: ts('last_seen_at').notNull(),
    /** Posts with exponential decay (30-day half-life) as of `activity_at`: the F of RFM. */
    activity: real('activity').notNull().default(0),
    activityAt: ts('activity_at').notNull(),
    /** 0-100, per platform (docs/profiles.md). */
    influence: real('influence').notNull().default(0),
    tier: text('tier').$type<'nano' | 'micro' | 'macro' | 'mega'>().notNull().default('nano'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.platform, t.handle] }),
    index('authors_influence_idx').on(t.influence),
    index('authors_platform_influence_idx').on(t.platform, t.influence),
  ],
);

/** Per author and brand: volume, engagement and sentiment toward the brand, and stance. */
export const authorBrands = pgTable(
  'author_brands',
  {
    platform: text('platform').notNull(),
    handle: text('handle').notNull(),
    brandId: text('brand_id').notNull(),
    posts: integer('posts').notNull().default(0),
    positive: integer('positive').notNull().default(0),
    negative: integer('negative').notNull().default(0),
    neutral: integer('neutral').notNull().default(0),
    sentimentSum: real('sentiment_sum').notNull().default(0),
    sentimentN: integer('sentiment_n').notNull().default(0),
    engagement: bigint('engagement', { mode: 'number' }).notNull().default(0),
    reach: bigint('reach', { mode: 'number' }).notNull().default(0),
    firstAt: ts('first_at').notNull(),
    lastAt: ts('last_at').notNull(),
    lastNegativeAt: ts('last_negative_at'),
    stance: text('stance').$type<'advocate' | 'neutral' | 'detractor'>().notNull().default('neutral'),
    /** Copied from `authors` in the same statement, so leaderboards per brand need no join. */
    influence: real('influence').notNull().default(0),
    followers: integer('followers'),
    tier: text('tier').$type<'nano' | 'micro' | 'macro' | 'mega'>().notNull().default('nano'),
  },
  (t) => [
    primaryKey({ columns: [t.brandId, t.platform, t.handle] }),
    // Full sort keys (with the tie-breakers), so a leaderboard is a backward index walk that stops at LIMIT.
    index('author_brands_posts_idx').on(t.brandId, t.posts, t.platform, t.handle),
    index('author_brands_influence_idx').on(t.brandId, t.influence, t.platform, t.handle),
    index('author_brands_engagement_idx').on(t.brandId, t.engagement, t.platform, t.handle),
    index('author_brands_author_idx').on(t.platform, t.handle),
    index('author_brands_stance_idx').on(t.brandId, t.stance, t.influence),
  ],
);

export const authorTopics = pgTable(
  'author_topics',
  {
    platform: text('platform').notNull(),
    handle: text('handle').notNull(),
    topic: text('topic').notNull(),
    n: integer('n').notNull().default(0),
    lastAt: ts('last_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.handle, t.topic] })],
);

/**
 * Running sums of log10(1 + followers) and log10(1 + engagement) over every stored post of a
 * platform: mean and standard deviation without a scan. Append-only, so a sum is enough.
 */
export const platformStats = pgTable('platform_stats', {
  platform: text('platform').primaryKey(),
  n: bigint('n', { mode: 'number' }).notNull().default(0),
  /** Posts that reported a follower count. */
  nReach: bigint('n_reach', { mode: 'number' }).notNull().default(0),
  reachSum: doublePrecision('reach_sum').notNull().default(0),
  reachSq: doublePrecision('reach_sq').notNull().default(0),
  engSum: doublePrecision('eng_sum').notNull().default(0),
  engSq: doublePrecision('eng_sq').notNull().default(0),
  updatedAt: ts('updated_at').notNull(),
});

/** Daily per-brand topic counts: top and emerging topics without unnesting mentions. */
export const brandTopicDaily = pgTable(
  'brand_topic_daily',
  {
    brandId: text('brand_id').notNull(),
    day: ts('day').notNull(),
    topic: text('topic').notNull(),
    n: integer('n').notNull().default(0),
    negative: integer('negative').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.brandId, t.day, t.topic] })],
);

/** Daily per-brand counts by geography (only where a post carried a location). */
export const brandGeoDaily = pgTable(
  'brand_geo_daily',
  {
    brandId: text('brand_id').notNull(),
    day: ts('day').notNull(),
    geo: text('geo').notNull(),
    n: integer('n').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.brandId, t.day, t.geo] })],
);

/** The highest-reach mentions of each brand and day (top 50 kept): "top mentions" reads a few rows. */
export const brandTopMentions = pgTable(
  'brand_top_mentions',
  {
    brandId: text('brand_id').notNull(),
    day: ts('day').notNull(),
    mentionId: text('mention_id').notNull(),
    reach: bigint('reach', { mode: 'number' }).notNull(),
    engagement: bigint('engagement', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.brandId, t.day, t.mentionId] }),
    index('brand_top_mentions_mention_idx').on(t.mentionId),
  ],
);

export const customers = pgTable(
  'customers',
  {
    id: text('id').primaryKey(),
    crmId: text('crm_id').notNull().unique(),
    name: text('name'),
    email: text('email'),
    attributes: jsonb('attributes').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Increments on every tag change; sent to the CRM so it can drop out-of-order deliveries. */
    tagsVersion: integer('tags_version').notNull().default(0),
    tagsChangedAt: ts('tags_changed_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [index('customers_tags_idx').using('gin', t.tags)],
);

export const customerHandles = pgTable(
  'customer_handles',
  {
    customerId: text('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    platform: text('platform').notNull(),
    handle: text('handle').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.platform, t.handle, t.customerId] }),
    index('customer_handles_customer_idx').on(t.customerId),
  ],
);

/** Erased authors, by SHA-256 of `platform\0handle` only: new posts by them are redacted on arrival. */
export const erasures = pgTable('erasures', {
  keyHash: text('key_hash').primaryKey(),
  erasedAt: ts('erased_at').notNull(),
});
