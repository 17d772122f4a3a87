import { isDeepStrictEqual } from 'node:util';
import { eq } from 'drizzle-orm';
import { brands, sources } from '../../db/schema/index.ts';
import type { Deps } from '../deps.ts';
import { newId } from '../ids.ts';

export interface SyncSummary {
  brandsCreated: number;
  brandsUpdated: number;
  sourcesCreated: number;
  sourcesUpdated: number;
  sourcesDisabled: number;
}

/**
 * Make the database agree with earshot.yaml: brands and sources defined there are created or
 * updated (audited as actor `config`); competitors that are not brands themselves become
 * brands with a phrase query; sources that came from config and are gone from it are
 * disabled, not deleted (their history stays). Rows created through the API are untouched.
 */
export async function syncConfig(deps: Deps): Promise<SyncSummary> {
  const cfg = deps.config.config;
  const s: SyncSummary = {
    brandsCreated: 0,
    brandsUpdated: 0,
    sourcesCreated: 0,
    sourcesUpdated: 0,
    sourcesDisabled: 0,
  };
  const now = deps.clock.now();
  const entry = (action: string, entityType: string) => ({ actor: 'config', action, entityType });

  const wanted = cfg.brands.map((b) => ({
    name: b.name,
    query: b.query,
    competitors: [...b.competitors],
    settings: {
      aliases: [...b.aliases],
      locale: b.locale,
      topics: b.topics,
      retentionDays: b.retentionDays,
      alerts: b.alerts,
    },
  }));
  const names = new Set(wanted.map((b) => b.name.toLowerCase()));
  for (const b of cfg.brands) {
    for (const comp of b.competitors) {
      if (names.has(comp.toLowerCase())) continue;
      names.add(comp.toLowerCase());
      wanted.push({
        name: comp,
        query: `"${comp.replace(/"/g, '')}"`,
        competitors: [],
        settings: {
          aliases: [],
          locale: b.locale,
          topics: undefined,
          retentionDays: undefined,
          alerts: undefined,
        },
      });
    }
  }
  for (const w of wanted) {
    const settings = JSON.parse(JSON.stringify(w.settings));
    await deps.mutate(entry('brand.sync', 'brand'), async (tx) => {
      const cur = (await tx.select().from(brands).where(eq(brands.name, w.name)).limit(1))[0];
      if (!cur) {
        const id = newId('brd');
        await tx.insert(brands).values({
          id,
          name: w.name,
          query: w.query,
          competitors: w.competitors,
          settings,
          origin: 'config',
          createdAt: now,
          updatedAt: now,
        });
        s.brandsCreated++;
        return { result: null, entityId: id, after: w };
      }
      const same =
        cur.query === w.query &&
        isDeepStrictEqual(cur.competitors, w.competitors) &&
        isDeepStrictEqual(cur.settings, settings);
      if (same) return { result: null, entityId: cur.id };
      await tx
        .update(brands)
        .set({ query: w.query, competitors: w.competitors, settings, origin: 'config', updatedAt: now })
        .where(eq(brands.id, cur.id));
      s.brandsUpdated++;
      return {
        result: null,
        entityId: cur.id,
        before: { query: cur.query, competitors: cur.competitors, settings: cur.settings },
        after: w,
      };
    });
  }

  const configured = new Set<string>();
  for (const src of cfg.sources) {
    configured.add(src.name);
    const secrets = Object.keys(src.secrets).length ? src.secrets : null;
    const fields = {
      type: src.type,
      options: src.options,
      schedule: src.schedule,
      enabled: src.enabled,
      allowPrivateNetwork: src.allowPrivateNetwork,
      backfillDays: src.backfillDays,
    };
    await deps.mutate(entry('source.sync', 'source'), async (tx) => {
      const cur = (await tx.select().from(sources).where(eq(sources.name, src.name)).limit(1))[0];
      const redacted = { ...fields, secrets: Object.keys(src.secrets) };
      if (!cur) {
        const id = newId('src');
        await tx.insert(sources).values({
          id,
          name: src.name,
          ...fields,
          secretsEnc: secrets ? deps.secrets.seal(JSON.stringify(secrets)) : null,
          origin: 'config',
          createdAt: now,
          updatedAt: now,
        });
        s.sourcesCreated++;
        return { result: null, entityId: id, after: redacted };
      }
      const curSecrets = cur.secretsEnc ? JSON.parse(deps.secrets.open(cur.secretsEnc)) : null;
      const same =
        isDeepStrictEqual(
          {
            type: cur.type,
            options: cur.options,
            schedule: cur.schedule,
            enabled: cur.enabled,
            allowPrivateNetwork: cur.allowPrivateNetwork,
            backfillDays: cur.backfillDays,
          },
          JSON.parse(JSON.stringify(fields)),
        ) && isDeepStrictEqual(curSecrets, secrets);
      if (same) return { result: null, entityId: cur.id };
      await tx
        .update(sources)
        .set({
          ...fields,
          secretsEnc: secrets ? deps.secrets.seal(JSON.stringify(secrets)) : null,
          origin: 'config',
          updatedAt: now,
        })
        .where(eq(sources.id, cur.id));
      s.sourcesUpdated++;
      return {
        result: null,
        entityId: cur.id,
        before: { type: cur.type, options: cur.options, schedule: cur.schedule, enabled: cur.enabled },
        after: redacted,
      };
    });
  }
  const stale = await deps.db.select().from(sources).where(eq(sources.origin, 'config'));
  for (const cur of stale) {
    if (configured.has(cur.name) || !cur.enabled) continue;
    await deps.mutate(entry('source.disable', 'source'), async (tx) => {
      await tx.update(sources).set({ enabled: false, updatedAt: now }).where(eq(sources.id, cur.id));
      s.sourcesDisabled++;
      return {
        result: null,
        entityId: cur.id,
        before: { enabled: true },
        after: { enabled: false, reason: 'removed from config' },
      };
    });
  }
  await deps.reloadBrands();
  return s;
}
