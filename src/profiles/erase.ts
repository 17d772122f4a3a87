import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import {
  authorBrands,
  authors,
  authorTopics,
  brands,
  customerHandles,
  erasures,
} from '../../db/schema/index.ts';
import type { ProfilesConfig } from '../config/schema.ts';
import type { Deps } from '../deps.ts';
import type { Logger } from '../log.ts';
import { foldText, tokenize } from '../text.ts';
import { refreshAllCustomerTags, refreshCustomerTags } from './customers.ts';
import { canonicalHandle, handlesAreCaseless } from './handles.ts';
import { influenceSql, stanceSql, tierSql } from './influence.ts';
import { createScrubber, type ErasureSubject } from './scrub.ts';
import { rows } from './sql.ts';
import { authorKeyHash, redactMentions } from './update.ts';

export interface ErasureResult {
  /** SHA-256 of `platform\0canonical handle`: the only trace kept (so new posts are redacted on arrival). */
  subject: string;
  mentions: number;
  profile: boolean;
  customerLinks: number;
  outboxMessages: number;
  /** Other authors' posts rewritten: replies linking to theirs, `@handle` mentions, raw payloads. */
  otherMentions: number;
  /** Incidents, incident events, audit rows and caches that quoted them. */
  records: number;
}

/**
 * Where author data is copied outside the mentions and profile tables: alert incidents (titles
 * name `@handle`), their timeline, outbox messages (they quote posts), audit snapshots (of
 * incidents, labels…), the LLM cache and detector state. Each is rewritten by the scrubber.
 */
const COPIES: { table: string; key: string; text: string[]; json: string[]; where?: SQL }[] = [
  { table: 'incidents', key: 'id', text: ['title'], json: ['factors', 'counts'] },
  { table: 'incident_events', key: 'id', text: [], json: ['data'] },
  { table: 'outbox', key: 'id', text: ['last_error'], json: ['payload'] },
  // Snapshots of configuration (brands, sources, keys) are the admins' words, like the rows
  // they describe, and are left as they are (a brand named like a handle keeps its history).
  {
    table: 'audit_log',
    key: 'id',
    text: [],
    json: ['before', 'after'],
    where: sql`entity_type not in ('brand', 'source', 'api_key')`,
  },
  { table: 'llm_cache', key: 'key', text: [], json: ['value'] },
  { table: 'detector_state', key: 'key', text: [], json: ['value'] },
];

const parsed = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v);

/**
 * Erase an author (GDPR art. 17 / PIPL art. 47), in one audited transaction:
 * - every post they wrote, under every spelling of the handle the platform treats as the same
 *   account (case-insensitively except on the platforms of `CASE_SENSITIVE_HANDLE_PLATFORMS`),
 *   is redacted: author fields, text, title, URLs, external id, raw payload, classifier records,
 *   search text (counts, time, language, sentiment and topics stay so the rollups remain true
 *   and identify no one);
 * - their profile rows and customer links are deleted (the customer records are the CRM's);
 * - other authors' posts lose what points at them: replies keep their thread through the
 *   erased id, `@handle` mentions become `@[erased]`, raw payloads and classifier records drop
 *   their handle, names, ids and URLs (a display name is not searched for in other people's
 *   words: names are not unique);
 * - every copy elsewhere (incident titles and timelines, outbox messages, audit snapshots, the
 *   LLM cache, detector state) is rewritten the same way;
 * - a hash of the canonical key is kept so later posts are redacted as they arrive.
 * The audit row names the hash, never the handle.
 *
 * @example
 * await eraseAuthor(deps, 'weibo', 'someone', { actor: 'key:key_1', requestId: 'req_1' });
 */
export async function eraseAuthor(
  deps: Pick<Deps, 'mutate' | 'clock' | 'config'>,
  platform: string,
  handle: string,
  who: { actor: string; requestId?: string },
): Promise<ErasureResult> {
  const caseless = handlesAreCaseless(platform);
  const canonical = canonicalHandle(platform, handle);
  const subject = authorKeyHash(platform, canonical);
  const now = deps.clock.now();
  const same = (col: SQL) =>
    caseless ? sql`lower(${col}) in (lower(${canonical}), ${canonical})` : sql`${col} = ${canonical}`;
  return deps.mutate(
    { actor: who.actor, action: 'author.erase', entityType: 'author', requestId: who.requestId },
    async (tx) => {
      const own = await rows<{
        id: string;
        external_id: string;
        author_handle: string;
        author_name: string | null;
        author_url: string | null;
        url: string | null;
      }>(
        tx,
        sql`select id, external_id, author_handle, author_name, author_url, url from mentions
          where platform = ${platform} and ${same(sql.raw('author_handle'))}`,
      );
      const profiles = await rows<{ handle: string; name: string | null; url: string | null }>(
        tx,
        sql`select handle, name, url from authors where platform = ${platform} and ${same(sql.raw('handle'))}
          union select handle, null, null from customer_handles where platform = ${platform} and ${same(sql.raw('handle'))}
          union select handle, null, null from author_brands where platform = ${platform} and ${same(sql.raw('handle'))}`,
      );
      const who_: ErasureSubject = {
        platform,
        caseless,
        handles: [
          ...new Set([
            handle,
            canonical,
            ...own.map((m) => m.author_handle),
            ...profiles.map((p) => p.handle),
          ]),
        ],
        names: [
          ...new Set([...own.map((m) => m.author_name), ...profiles.map((p) => p.name)].filter(isText)),
        ],
        externalIds: [...new Set(own.map((m) => m.external_id).filter((x) => !x.startsWith('erased:')))],
        urls: [
          ...new Set(
            [...own.flatMap((m) => [m.url, m.author_url]), ...profiles.map((p) => p.url)].filter(isText),
          ),
        ],
      };
      const scrub = createScrubber(who_);

      const mentions = await redactMentions(
        tx,
        own.map((r) => r.id),
      );
      const otherMentions = await scrubOtherMentions(tx, who_, scrub);
      const spellings = JSON.stringify(who_.handles);
      const among = (col: string) =>
        sql`${sql.raw(col)} in (select jsonb_array_elements_text(${spellings}::jsonb))`;
      const del = await tx
        .delete(authors)
        .where(and(eq(authors.platform, platform), among('handle')))
        .returning({ p: authors.platform });
      await tx.delete(authorBrands).where(and(eq(authorBrands.platform, platform), among('handle')));
      await tx.delete(authorTopics).where(and(eq(authorTopics.platform, platform), among('handle')));
      const links = await tx
        .delete(customerHandles)
        .where(and(eq(customerHandles.platform, platform), among('handle')))
        .returning({ customerId: customerHandles.customerId });

      let outboxMessages = 0;
      let records = 0;
      for (const copy of COPIES) {
        const n = await scrubCopies(tx, copy, scrub);
        if (copy.table === 'outbox') outboxMessages = n;
        else records += n;
      }
      await tx.insert(erasures).values({ keyHash: subject, erasedAt: now }).onConflictDoNothing();
      if (links.length)
        await refreshCustomerTags(
          tx,
          links.map((l) => l.customerId),
          deps.config.config.profiles,
          now,
        );
      const result: ErasureResult = {
        subject,
        mentions,
        profile: del.length > 0,
        customerLinks: links.length,
        outboxMessages,
        otherMentions,
        records,
      };
      return { result, entityId: subject, after: result };
    },
  );
}

const isText = (v: string | null | undefined): v is string => typeof v === 'string' && v.length > 0;

/** Needles as they appear in a column's text: as written, and JSON-escaped (inside jsonb). */
const needlesParam = (scrub: Scrubber) =>
  JSON.stringify([...new Set(scrub.needles().flatMap((n) => [n, JSON.stringify(n).slice(1, -1)]))]);

const mentionsAny = (needles: string, expr: SQL) =>
  sql`exists (select 1 from jsonb_array_elements_text(${needles}::jsonb) n where position(lower(n) in lower(${expr})) > 0)`;

type Scrubber = ReturnType<typeof createScrubber>;

/**
 * Other authors' posts on the platform that point at the subject: replies (parent or thread is
 * one of their posts: the link is kept through the erased id), and posts whose text, title, raw
 * payload or classifier records carry their handle, ids or URLs. One scan of the platform's
 * posts: erasure is rare and must be complete.
 */
async function scrubOtherMentions(tx: DbOrTx, who: ErasureSubject, scrub: Scrubber): Promise<number> {
  const ids = JSON.stringify(who.externalIds);
  const touched = new Set<string>();
  if (who.externalIds.length) {
    for (const col of ['parent_id', 'thread_id']) {
      const r = await rows<{ id: string }>(
        tx,
        sql`update mentions set ${sql.raw(col)} = 'erased:' || md5(${sql.raw(col)})
          where platform = ${who.platform} and ${sql.raw(col)} in (select jsonb_array_elements_text(${ids}::jsonb))
          returning id`,
      );
      for (const x of r) touched.add(x.id);
    }
  }
  const needles = needlesParam(scrub);
  const found = await rows<{
    id: string;
    text: string;
    title: string | null;
    raw: unknown;
    classifications: unknown;
  }>(
    tx,
    sql`select id, text, title, raw, classifications from mentions where platform = ${who.platform} and ${mentionsAny(
      needles,
      sql`text || ' ' || coalesce(title, '') || ' ' || coalesce(raw::text, '') || ' ' || classifications::text`,
    )}`,
  );
  for (const m of found) {
    const text = scrub.text(m.text);
    const title = m.title === null ? null : scrub.text(m.title);
    const raw = scrub.json(parsed(m.raw));
    const cls = scrub.json(parsed(m.classifications));
    if (text === m.text && title === m.title && !raw.changed && !cls.changed) continue;
    touched.add(m.id);
    await tx.execute(sql`update mentions set text = ${text}, title = ${title},
      raw = ${raw.value === null || raw.value === undefined ? null : JSON.stringify(raw.value)}::jsonb,
      classifications = ${JSON.stringify(cls.value ?? {})}::jsonb, search_text = ${searchTextOf(title, text)}
      where id = ${m.id}`);
  }
  return touched.size;
}

/** Rewrite the rows of one table that quote the subject; how many changed. */
async function scrubCopies(tx: DbOrTx, copy: (typeof COPIES)[number], scrub: Scrubber): Promise<number> {
  const cols = [...copy.text, ...copy.json];
  const needles = needlesParam(scrub);
  const any = sql.join(
    cols.map((c) => mentionsAny(needles, sql`coalesce(${sql.raw(c)}::text, '')`)),
    sql` or `,
  );
  const found = await rows<Record<string, unknown>>(
    tx,
    sql`select ${sql.raw([copy.key, ...cols].join(', '))} from ${sql.raw(copy.table)}
      where (${any}) ${copy.where ? sql`and ${copy.where}` : sql``}`,
  );
  let n = 0;
  for (const row of found) {
    const sets: SQL[] = [];
    for (const c of copy.text) {
      const v = row[c];
      if (typeof v !== 'string') continue;
      const next = scrub.text(v);
      if (next !== v) sets.push(sql`${sql.raw(c)} = ${next}`);
    }
    for (const c of copy.json) {
      if (row[c] === null || row[c] === undefined) continue;
      const r = scrub.json(parsed(row[c]));
      if (r.changed) sets.push(sql`${sql.raw(c)} = ${JSON.stringify(r.value)}::jsonb`);
    }
    if (!sets.length) continue;
    n++;
    await tx.execute(
      sql`update ${sql.raw(copy.table)} set ${sql.join(sets, sql`, `)} where ${sql.raw(copy.key)} = ${String(row[copy.key])}`,
    );
  }
  return n;
}

/** The search text the pipeline stores for a post (hashtags and mentions without their sigil). */
function searchTextOf(title: string | null, text: string): string {
  const folded = foldText(title ? `${title}\n${text}` : text);
  return tokenize(folded, { folded: true })
    .map((t) => (t.kind === 'hashtag' || t.kind === 'mention' ? t.t.slice(1) : t.t))
    .join(' ');
}

/**
 * Retention: delete mentions older than their brands' `retentionDays`. A mention linked to
 * several brands goes when every one of them has a retention that has passed (a brand without
 * one keeps it). Mentions matching no brand follow `profiles.unmatchedRetentionDays`. The
 * aggregates (hourly rollups, profiles) keep their counts: they hold no post content.
 */
export async function applyRetention(db: Db, cfg: ProfilesConfig, now: Date, log?: Logger): Promise<number> {
  const list = await db.select({ id: brands.id, settings: brands.settings }).from(brands);
  const days = new Map(list.map((b) => [b.id, b.settings.retentionDays ?? null]));
  let total = 0;
  for (const [brandId, d] of days) {
    if (!d) continue;
    const cutoff = new Date(now.getTime() - d * 86_400_000).toISOString();
    for (;;) {
      const gone = await rows<{ id: string }>(
        db,
        sql`delete from mentions where id in (
          select mb.mention_id from mention_brands mb
          where mb.brand_id = ${brandId} and mb.published_at < ${cutoff}::timestamptz
            and not exists (
              select 1 from mention_brands o join brands b on b.id = o.brand_id
              where o.mention_id = mb.mention_id and o.brand_id <> mb.brand_id
                and (not (b.settings ? 'retentionDays')
                  or o.published_at >= ${now.toISOString()}::timestamptz - ((b.settings->>'retentionDays')::int * interval '1 day')))
          limit 5000) returning id`,
      );
      await deleteDerived(
        db,
        gone.map((g) => g.id),
      );
      total += gone.length;
      if (gone.length < 5000) break;
    }
  }
  if (cfg.unmatchedRetentionDays) {
    const cutoff = new Date(now.getTime() - cfg.unmatchedRetentionDays * 86_400_000).toISOString();
    for (;;) {
      const gone = await rows<{ id: string }>(
        db,
        sql`delete from mentions where id in (
          select m.id from mentions m where m.published_at < ${cutoff}::timestamptz
            and not exists (select 1 from mention_brands mb where mb.mention_id = m.id) limit 5000) returning id`,
      );
      total += gone.length;
      if (gone.length < 5000) break;
    }
  }
  if (total) log?.info({ deleted: total }, 'retention: old mentions deleted');
  return total;
}

async function deleteDerived(db: DbOrTx, ids: string[]) {
  if (ids.length === 0) return;
  await db.execute(
    sql`delete from brand_top_mentions where mention_id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
  );
}

/** Recompute influence, tier and stance of every author (platform statistics move as data grows). */
export async function recomputeInfluence(db: Db, cfg: ProfilesConfig): Promise<void> {
  await db.execute(sql`update authors a set influence = ${influenceSql()}, tier = ${tierSql('a.followers', cfg.tiers)}
    from platform_stats s where s.platform = a.platform`);
  await db.execute(sql`update author_brands ab set influence = a.influence, followers = a.followers, tier = a.tier,
    stance = ${stanceSql(cfg.stance)} from authors a where a.platform = ab.platform and a.handle = ab.handle`);
}

/**
 * The daily profile job: retention, influence recompute, customer tags (churn-risk expires).
 * Never throws: each step logs its own failure and the next runs.
 */
export async function runDailyProfileJob(deps: Pick<Deps, 'db' | 'clock' | 'config' | 'log'>): Promise<void> {
  const log = deps.log.child({ component: 'profiles-daily' });
  const cfg = deps.config.config.profiles;
  const now = deps.clock.now();
  const steps: [string, () => Promise<unknown>][] = [
    ['retention', () => applyRetention(deps.db, cfg, now, log)],
    ['influence', () => recomputeInfluence(deps.db, cfg)],
    ['customer-tags', () => refreshAllCustomerTags(deps.db, cfg, now)],
  ];
  for (const [name, run] of steps) {
    try {
      await run();
    } catch (err) {
      log.error({ err, step: name }, 'daily profile step failed');
    }
  }
}
