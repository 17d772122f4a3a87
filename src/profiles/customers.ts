import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db, DbOrTx } from '../../db/client.ts';
import { customerHandles, customers, outbox } from '../../db/schema/index.ts';
import type { ProfilesConfig } from '../config/schema.ts';
import { ValidationError } from '../errors.ts';
import { newId } from '../ids.ts';
import { parseCsv } from './csv.ts';
import { type Tier, tierAtLeast } from './influence.ts';
import { rows } from './sql.ts';

export const handleSchema = z.object({
  platform: z.string().trim().min(1).max(50),
  handle: z.string().trim().min(1).max(200),
});

export const customerInput = z
  .object({
    crmId: z.string().trim().min(1).max(200),
    name: z.string().trim().max(200).optional(),
    email: z.string().trim().max(320).optional(),
    handles: z.array(handleSchema).max(50).default([]),
    attributes: z.record(z.string(), z.string().max(1000)).optional(),
  })
  .strict();
export type CustomerInput = z.output<typeof customerInput>;

/** The tags Earshot maintains on a customer (anything else in the CRM is left alone). */
export const TAG_RULES = {
  advocate: 'a linked author is an advocate of a brand (stance rule in docs/profiles.md)',
  detractor: 'a linked author is a detractor of a brand',
  'kol:<tier>': 'the highest tier among linked authors, when at or above profiles.kolTier',
  'topic:<id>': 'the three topics the linked authors post about most',
  'churn-risk': 'a linked author posted negatively about a brand in the last profiles.churnDays days',
} as const;

/**
 * Customers from CSV: a header row with `crm_id` (or `crmId`), optional `name`, `email`,
 * `handles` ("weibo:abc;x:@def"), optional `<platform>` columns holding one handle each
 * (`weibo`, `x`, `reddit`...), and any other column kept as an attribute.
 *
 * @example
 * customersFromCsv('crm_id,name,handles\nC-1,Li Wei,weibo:liwei;x:lw\n')
 */
export function customersFromCsv(text: string, platforms: readonly string[] = []): CustomerInput[] {
  const table = parseCsv(text);
  const header = (table[0] ?? []).map((h) => h.trim());
  const col = (names: string[]) => header.findIndex((h) => names.includes(h.toLowerCase()));
  const crm = col(['crm_id', 'crmid', 'crm id', 'id']);
  if (crm < 0) throw new ValidationError('CSV header needs a crm_id column', 'crm_id');
  const name = col(['name']);
  const email = col(['email']);
  const handles = col(['handles', 'social', 'social_handles']);
  const platformCols = header
    .map((h, i) => ({ h: h.toLowerCase(), i }))
    .filter((x) => platforms.includes(x.h) || x.h.startsWith('handle:'));
  const used = new Set([crm, name, email, handles, ...platformCols.map((p) => p.i)]);
  const out: CustomerInput[] = [];
  table.slice(1).forEach((r, k) => {
    const hs: { platform: string; handle: string }[] = [];
    for (const part of (handles >= 0 ? (r[handles] ?? '') : '').split(/[;|]/)) {
      const m = /^\s*([^:\s]+)\s*:\s*(.+?)\s*$/.exec(part);
      if (m) hs.push({ platform: m[1]!.toLowerCase(), handle: m[2]!.replace(/^@/, '') });
    }
    for (const p of platformCols) {
      const v = (r[p.i] ?? '').trim().replace(/^@/, '');
      if (v) hs.push({ platform: p.h.replace(/^handle:/, ''), handle: v });
    }
    const attributes: Record<string, string> = {};
    header.forEach((h, i) => {
      if (!used.has(i) && r[i]) attributes[h] = r[i]!;
    });
    const parsed = customerInput.safeParse({
      crmId: r[crm] ?? '',
      ...(name >= 0 && r[name] ? { name: r[name] } : {}),
      ...(email >= 0 && r[email] ? { email: r[email] } : {}),
      handles: hs,
      attributes,
    });
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      throw new ValidationError(`row ${k + 2}: ${i.path.join('.')}: ${i.message}`, i.path.join('.'));
    }
    out.push(parsed.data);
  });
  return out;
}

/** Insert or update customers by CRM id (their handles replaced), then compute their tags. */
export async function upsertCustomers(
  tx: DbOrTx,
  list: readonly CustomerInput[],
  cfg: ProfilesConfig,
  now: Date,
): Promise<{ created: number; updated: number; ids: string[] }> {
  let created = 0;
  let updated = 0;
  const ids: string[] = [];
  for (const c of list) {
    const existing = await tx
      .select({ id: customers.id })
      .from(customers)
      .where(eq(customers.crmId, c.crmId))
      .limit(1);
    let id = existing[0]?.id;
    if (id) {
      await tx
        .update(customers)
        .set({
          ...(c.name !== undefined ? { name: c.name } : {}),
          ...(c.email !== undefined ? { email: c.email } : {}),
          ...(c.attributes ? { attributes: c.attributes } : {}),
          updatedAt: now,
        })
        .where(eq(customers.id, id));
      await tx.delete(customerHandles).where(eq(customerHandles.customerId, id));
      updated++;
    } else {
      id = newId('cus');
      await tx.insert(customers).values({
        id,
        crmId: c.crmId,
        name: c.name ?? null,
        email: c.email ?? null,
        attributes: c.attributes ?? {},
        createdAt: now,
        updatedAt: now,
      });
      created++;
    }
    const hs = [...new Map(c.handles.map((h) => [`${h.platform}\u0000${h.handle}`, h])).values()];
    if (hs.length) {
      await tx
        .insert(customerHandles)
        .values(hs.map((h) => ({ customerId: id!, platform: h.platform, handle: h.handle })))
        .onConflictDoNothing();
    }
    ids.push(id);
  }
  await refreshCustomerTags(tx, ids, cfg, now);
  return { created, updated, ids };
}

interface Signals {
  customer_id: string;
  advocate: boolean;
  detractor: boolean;
  tier: Tier | null;
  churn: boolean;
  topics: string[] | null;
}

/**
 * Recompute Earshot's tags on customers; a change bumps `tags_version` and, when a CRM
 * channel is configured, writes an outbox row in the same transaction (the alert dispatcher
 * delivers it through that webhook channel with retries; docs/profiles.md).
 */
export async function refreshCustomerTags(
  tx: DbOrTx,
  ids: readonly string[],
  cfg: ProfilesConfig,
  now: Date,
): Promise<{ changed: number }> {
  if (ids.length === 0) return { changed: 0 };
  const churnSince = new Date(now.getTime() - cfg.churnDays * 86_400_000).toISOString();
  const idJson = JSON.stringify([...new Set(ids)]);
  const sig = await rows<Signals>(
    tx,
    sql`
    with ids as (select jsonb_array_elements_text(${idJson}::jsonb) as id),
    ab as (
      select ch.customer_id, ab.stance, ab.tier, ab.last_negative_at
      from customer_handles ch join author_brands ab on ab.platform = ch.platform and ab.handle = ch.handle
      where ch.customer_id in (select id from ids)
    ),
    au as (
      select ch.customer_id, a.tier from customer_handles ch
      join authors a on a.platform = ch.platform and a.handle = ch.handle
      where ch.customer_id in (select id from ids)
    ),
    tp as (
      select customer_id, jsonb_agg(topic order by n desc, topic) filter (where rn <= 3) as topics from (
        select ch.customer_id, t.topic, sum(t.n) as n,
          row_number() over (partition by ch.customer_id order by sum(t.n) desc, t.topic) as rn
        from customer_handles ch join author_topics t on t.platform = ch.platform and t.handle = ch.handle
        where ch.customer_id in (select id from ids)
        group by ch.customer_id, t.topic
      ) x group by customer_id
    )
    select i.id as customer_id,
      coalesce(bool_or(ab.stance = 'advocate'), false) as advocate,
      coalesce(bool_or(ab.stance = 'detractor'), false) as detractor,
      coalesce(bool_or(ab.last_negative_at >= ${churnSince}::timestamptz), false) as churn,
      (select case max(case tier when 'mega' then 3 when 'macro' then 2 when 'micro' then 1 else 0 end)
         when 3 then 'mega' when 2 then 'macro' when 1 then 'micro' when 0 then 'nano' end
       from au where au.customer_id = i.id) as tier,
      (select topics from tp where tp.customer_id = i.id) as topics
    from ids i left join ab on ab.customer_id = i.id
    group by i.id`,
  );
  const current = await tx
    .select({ id: customers.id, crmId: customers.crmId, tags: customers.tags, v: customers.tagsVersion })
    .from(customers)
    .where(inArray(customers.id, [...new Set(ids)]));
  const byId = new Map(sig.map((s) => [s.customer_id, s]));
  let changed = 0;
  for (const c of current) {
    const s = byId.get(c.id);
    const next = s ? tagsOf(s, cfg) : [];
    const prev = [...c.tags].sort();
    if (prev.join('\u0000') === next.join('\u0000')) continue;
    changed++;
    const version = c.v + 1;
    await tx
      .update(customers)
      .set({ tags: next, tagsVersion: version, tagsChangedAt: now, updatedAt: now })
      .where(and(eq(customers.id, c.id), eq(customers.tagsVersion, c.v)));
    if (cfg.crm) {
      const key = `crm:${c.id}:${version}`;
      await tx
        .insert(outbox)
        .values({
          id: newId('out'),
          channel: cfg.crm.channel,
          kind: 'profile-tags',
          incidentId: null,
          payload: {
            kind: 'profile-tags',
            id: key,
            createdAt: now.toISOString(),
            customer: { id: c.id, crmId: c.crmId },
            tags: next,
            added: next.filter((t) => !prev.includes(t)),
            removed: prev.filter((t) => !next.includes(t)),
            version,
          },
          idempotencyKey: key,
          status: 'pending',
          nextAttemptAt: now,
          createdAt: now,
        })
        .onConflictDoNothing({ target: outbox.idempotencyKey });
    }
  }
  return { changed };
}

function tagsOf(s: Signals, cfg: ProfilesConfig): string[] {
  const tags: string[] = [];
  if (s.advocate) tags.push('advocate');
  if (s.detractor) tags.push('detractor');
  if (s.churn) tags.push('churn-risk');
  if (s.tier && tierAtLeast(s.tier, cfg.kolTier)) tags.push(`kol:${s.tier}`);
  for (const t of s.topics ?? []) tags.push(`topic:${t}`);
  return tags.sort();
}

/** Every customer's tags (the daily job: churn-risk expires with time, not with a new post). */
export async function refreshAllCustomerTags(db: Db, cfg: ProfilesConfig, now: Date): Promise<number> {
  let changed = 0;
  let after = '';
  for (;;) {
    const page = await db
      .select({ id: customers.id })
      .from(customers)
      .where(sql`${customers.id} > ${after}`)
      .orderBy(customers.id)
      .limit(500);
    if (page.length === 0) break;
    // One transaction per page: a tag change and its outbox row commit together.
    const r = await db.transaction((tx) =>
      refreshCustomerTags(
        tx,
        page.map((p) => p.id),
        cfg,
        now,
      ),
    );
    changed += r.changed;
    after = page.at(-1)!.id;
  }
  return changed;
}
