import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCollector } from '../../collectors/types.ts';
import { json, useApi } from './harness.ts';

const options = z.object({
  url: z.url(),
  query: z.string().optional(),
  limit: z.number().int().default(20),
});
/** Two source types that take the same options and secrets, so `type` can be patched alone. */
const sourceType = (id: string, defaultSchedule: string) =>
  defineCollector({
    id,
    description: 'a test source type',
    options,
    secrets: ['token', 'other'],
    defaultSchedule,
    async *collect() {},
  });
const tokenSource = sourceType('token-source', '*/30 * * * *');
const otherSource = sourceType('other-source', '*/45 * * * *');

const t = useApi({ collectors: [tokenSource, otherSource] });

/** Field names of a request body schema in the OpenAPI document. */
async function patchFields(schema: string): Promise<string[]> {
  const doc = await json(t.call('GET', '/openapi.json'));
  return Object.keys(doc.components.schemas[schema].properties).sort();
}

const stable = (v: Record<string, unknown>) => {
  const { updatedAt: _u, ...rest } = v;
  return rest;
};

type Changes = Record<string, { patch: unknown; expect: unknown }>;

/**
 * For every field in `changes`: create the resource (`create(field)` gives a body with every
 * field set away from its default), PATCH that one field, and check it changed while every
 * other field, as PATCH answered and as GET reads it, is what creation stored.
 */
async function eachFieldAlone(
  collection: string,
  key: string,
  create: (field: string) => Record<string, unknown>,
  changes: Changes,
) {
  for (const [field, change] of Object.entries(changes)) {
    const created = await t.call('POST', collection, key, create(field));
    expect(created.status).toBe(201);
    const before = await json(created);
    const r = await t.call('PATCH', `${collection}/${before.id}`, key, { [field]: change.patch });
    const after = await json(r);
    expect(r.status, JSON.stringify(after)).toBe(200);
    expect(after[field], field).toEqual(change.expect);
    const got = await json(t.call('GET', `${collection}/${before.id}`, t.viewer));
    expect(stable(got)).toEqual(stable(after));
    expect(stable({ ...got, [field]: before[field] }), field).toEqual(stable(before));
  }
}

describe('PATCH changes only the fields it is given', () => {
  it('sources: each field patched alone leaves every other field as it was', async () => {
    // Every patchable field, with a value different from the stored one (and from any default).
    const changes: Changes = {
      name: { patch: 'renamed', expect: 'renamed' },
      type: { patch: 'other-source', expect: 'other-source' },
      // Merged: query changes, limit is removed (so its default applies), url stays.
      options: {
        patch: { query: 'kettle', limit: null },
        expect: { url: 'https://a.example/feed', query: 'kettle', limit: 20 },
      },
      schedule: { patch: '5 * * * *', expect: '5 * * * *' },
      enabled: { patch: true, expect: true },
      allowPrivateNetwork: { patch: false, expect: false },
      backfillDays: { patch: 30, expect: 30 },
      secrets: { patch: { other: 'o-1' }, expect: ['other'] },
    };
    expect(Object.keys(changes).sort()).toEqual(await patchFields('SourcePatch'));
    await eachFieldAlone(
      '/v1/sources',
      t.admin,
      (field) => ({
        name: `src-${field}`,
        type: 'token-source',
        options: { url: 'https://a.example/feed', query: 'acme', limit: 5 },
        schedule: '*/7 * * * *',
        enabled: false,
        allowPrivateNetwork: true,
        backfillDays: 3,
        secrets: { token: 't-1' },
      }),
      changes,
    );
  });

  it('sources: {"enabled": false} alone is accepted (it was a 400 about options.url)', async () => {
    const s = await json(
      t.call('POST', '/v1/sources', t.editor, {
        name: 's',
        type: 'token-source',
        options: { url: 'https://a.example' },
      }),
    );
    const r = await t.call('PATCH', `/v1/sources/${s.id}`, t.editor, { enabled: false });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ enabled: false, options: { url: 'https://a.example', limit: 20 } });
  });

  it('sources: schedule null restores the collector default; secrets {} removes them', async () => {
    const s = await json(
      t.call('POST', '/v1/sources', t.admin, {
        name: 's',
        type: 'token-source',
        options: { url: 'https://a.example' },
        schedule: '1 * * * *',
        secrets: { token: 'x' },
      }),
    );
    const r = await json(t.call('PATCH', `/v1/sources/${s.id}`, t.admin, { schedule: null, secrets: {} }));
    expect(r).toMatchObject({ schedule: '*/30 * * * *', secrets: [] });
  });

  it('brands: each field patched alone leaves every other field as it was', async () => {
    const changes: Changes = {
      name: { patch: 'Renamed', expect: 'Renamed' },
      query: { patch: '"globex corp"', expect: '"globex corp"' },
      competitors: { patch: ['Initech'], expect: ['Initech'] },
      aliases: { patch: [], expect: [] },
      locale: { patch: 'en', expect: 'en' },
      topics: { patch: null, expect: null },
      retentionDays: { patch: 90, expect: 90 },
    };
    expect(Object.keys(changes).sort()).toEqual(await patchFields('BrandPatch'));
    await eachFieldAlone(
      '/v1/brands',
      t.editor,
      (field) => ({
        name: `Globex ${field}`,
        query: 'globex',
        competitors: ['Acme', 'Umbrella'],
        aliases: ['GBX'],
        locale: 'bilingual',
        topics: { pricing: ['price', '价格'] },
        retentionDays: 30,
      }),
      changes,
    );
  });
});
