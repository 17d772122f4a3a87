import { and, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import {
  authorBrands,
  authors,
  authorTopics,
  brands,
  customerHandles,
  erasures,
  outbox,
} from '../../db/schema/index.ts';
import type { ProfilesConfig } from '../config/schema.ts';
import type { Deps } from '../deps.ts';
import type { Logger } from '../log.ts';
import { refreshAllCustomerTags, refreshCustomerTags } from './customers.ts';
import { influenceSql, stanceSql, tierSql } from './influence.ts';
import { rows } from './sql.ts';
import { authorKeyHash, redactMentions } from './update.ts';

export interface ErasureResult {
  /** SHA-256 of `platform\0handle`: the only trace kept (so new posts are redacted on arrival). */
  subject: string;
  mentions: number;
  profile: boolean;
  customerLinks: number;
  outboxMessages: number;
}

/**
 * Erase an author (GDPR art. 17 / PIPL art. 47): in one audited transaction, redact every
 * mention they wrote (author fields, text, title, URLs, raw payload, classifier records,
 * search text; counts, time, language, sentiment and topics stay so the rollups remain true and
 * identify no one), delete their profile rows and customer links, scrub queued and delivered
 * outbox messages that quote them, and remember a hash of the key so later posts are redacted
 * as they arrive. The audit row names the hash, never the handle.
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
  const subject = authorKeyHash(platform, handle);
  const now = deps.clock.now();
  return deps.mutate(
    { actor: who.actor, action: 'author.erase', entityType: 'author', requestId: who.requestId },
    async (tx) => {
      const ids = await rows<{ id: string }>(
        tx,
        sql`select id from mentions where platform = ${platform} and author_handle = ${handle}`,
      );
      const mentions = await redactMentions(
        tx,
        ids.map((r) => r.id),
      );
      // A redacted mention's external id is replaced too: it leads back to the post.
      if (ids.length) {
        await tx.execute(sql`update mentions set external_id = 'erased:' || md5(external_id)
          where id in (select jsonb_array_elements_text(${JSON.stringify(ids.map((r) => r.id))}::jsonb))`);
      }
      const key = and(eq(authors.platform, platform), eq(authors.handle, handle));
      const del = await tx.delete(authors).where(key).returning({ p: authors.platform });
      await tx
        .delete(authorBrands)
        .where(and(eq(authorBrands.platform, platform), eq(authorBrands.handle, handle)));
      await tx
        .delete(authorTopics)
        .where(and(eq(authorTopics.platform, platform), eq(authorTopics.handle, handle)));
      const links = await tx
        .delete(customerHandles)
        .where(and(eq(customerHandles.platform, platform), eq(customerHandles.handle, handle)))
        .returning({ customerId: customerHandles.customerId });
      const outboxMessages = await scrubOutbox(tx, platform, handle);
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
      };
      return { result, entityId: subject, after: result };
    },
  );
}

/** Replace quotes of the author in outbox payloads (alert messages carry mention text). */
async function scrubOutbox(tx: DbOrTx, platform: string, handle: string): Promise<number> {
  const needle = JSON.stringify(handle);
  const found = await tx
    .select({ id: outbox.id, payload: outbox.payload })
    .from(outbox)
    .where(sql`position(${needle} in ${outbox.payload}::text) > 0`);
  let n = 0;
  for (const row of found) {
    let hit = false;
    const walk = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (o.authorHandle === handle && (o.platform === undefined || o.platform === platform)) {
          hit = true;
          return { ...o, authorHandle: '[erased]', authorName: null, text: '[erased]', url: '' };
        }
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
      }
      return v;
    };
    const next = walk(row.payload) as Record<string, unknown>;
    if (hit) {
      n++;
      await tx.update(outbox).set({ payload: next }).where(eq(outbox.id, row.id));
    }
  }
  return n;
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
