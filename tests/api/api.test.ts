import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client.ts';
import { auditLog, sources } from '../../db/schema/index.ts';
import { createApp } from '../../src/api/app.ts';
import { syncConfig } from '../../src/config/sync.ts';
import type { Deps } from '../../src/deps.ts';
import { makeDeps, makeKey, makeMention } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';
import { tokenSource } from './harness.ts';

let h: DbHandle;
let deps: Deps;
let app: ReturnType<typeof createApp>;
let editor: string;
let viewer: string;

beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  await truncateAll(h);
  deps = await makeDeps({
    handle: h,
    collectors: [tokenSource],
    config: { brands: [{ name: 'Acme', query: '"acme" OR "艾克米"' }], server: { maxBodyBytes: 20_000 } },
  });
  await syncConfig(deps);
  app = createApp(deps);
  [, editor, viewer] = await Promise.all([
    makeKey(deps, 'admin'),
    makeKey(deps, 'editor'),
    makeKey(deps, 'viewer'),
  ]);
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
const body = async (r: Promise<Response> | Response): Promise<any> => (await r).json();

const call = (
  method: string,
  path: string,
  key?: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) =>
  app.request(path, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(payload !== undefined && typeof payload !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

describe('access control', () => {
  it('401 without a key or with a wrong one, in the error envelope', async () => {
    for (const key of [undefined, 'esk_wrong']) {
      const r = await call('GET', '/v1/mentions', key);
      expect(r.status).toBe(401);
      const b = await body(r);
      expect(b.error).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(b.error.requestId).toMatch(/^req_/);
    }
  });

  it('403 for a viewer that mutates; reads work', async () => {
    expect((await call('GET', '/v1/brands', viewer)).status).toBe(200);
    const r = await call('POST', '/v1/brands', viewer, { name: 'X', query: 'x' });
    expect(r.status).toBe(403);
    expect((await body(r)).error.code).toBe('FORBIDDEN');
  });

  it('health and the OpenAPI document need no key', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect(await body(call('GET', '/readyz'))).toMatchObject({ status: 'ready' });
    const doc = await body(call('GET', '/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/mentions', '/v1/ingest', '/v1/brands', '/v1/sources/{id}/health']),
    );
  });
});

describe('brands', () => {
  it('create, update, delete: each audited with before/after in the same transaction', async () => {
    const created = await call('POST', '/v1/brands', editor, {
      name: 'Globex',
      query: 'globex NEAR/3 (refund OR scam)',
    });
    expect(created.status).toBe(201);
    const b = await body(created);
    const patched = await call('PATCH', `/v1/brands/${b.id}`, editor, { query: '"globex corp"' });
    expect(await body(patched)).toMatchObject({ query: '"globex corp"' });
    expect((await call('DELETE', '/v1/brands/Globex', editor)).status).toBe(204);
    const audits = await deps.db.select().from(auditLog).where(eq(auditLog.entityId, b.id));
    expect(audits.map((a) => a.action).sort()).toEqual(['brand.create', 'brand.delete', 'brand.update']);
    const upd = audits.find((a) => a.action === 'brand.update')!;
    expect(upd.before).toMatchObject({ query: 'globex NEAR/3 (refund OR scam)' });
    expect(upd.after).toMatchObject({ query: '"globex corp"' });
    expect(upd.actor).toMatch(/^key:key_/);
  });

  it('a malformed query is a 400 naming the field and the position, and changes nothing', async () => {
    const r = await call('POST', '/v1/brands', editor, { name: 'Bad', query: '(acme OR' });
    expect(r.status).toBe(400);
    const e = (await body(r)).error;
    expect(e.field).toBe('query');
    expect(e.message).toMatch(/position \d+/);
    expect((await body(call('GET', '/v1/brands', viewer))).data.map((x: { name: string }) => x.name)).toEqual(
      ['Acme'],
    );
  });

  it('400 names the field of a schema error; 409 on a duplicate name', async () => {
    const r = await call('POST', '/v1/brands', editor, { name: 'Y', query: 'y', competitors: [''] });
    expect(r.status).toBe(400);
    expect((await body(r)).error.field).toBe('competitors[0]');
    const dup = await call('POST', '/v1/brands', editor, { name: 'Acme', query: 'y' });
    expect(dup.status).toBe(409);
    expect((await body(dup)).error.field).toBe('name');
  });
});

describe('sources', () => {
  it('validates options against the collector, encrypts secrets at rest and never returns them', async () => {
    const bad = await call('POST', '/v1/sources', editor, {
      name: 's',
      type: 'token-source',
      options: { url: 'nope' },
    });
    expect(bad.status).toBe(400);
    expect((await body(bad)).error.field).toBe('options.url');
    const r = await call('POST', '/v1/sources', editor, {
      name: 's',
      type: 'token-source',
      options: { url: 'https://api.example.com' },
      secrets: { token: 'tok-SECRET-123' },
    });
    expect(r.status).toBe(201);
    const text = await r.text();
    expect(text).not.toContain('tok-SECRET-123');
    expect(JSON.parse(text)).toMatchObject({ secrets: ['token'], schedule: '*/30 * * * *' });
    const [row] = await deps.db.select().from(sources).where(eq(sources.name, 's'));
    expect(row!.secretsEnc).toMatch(/^v1\./);
    expect(row!.secretsEnc).not.toContain('tok-SECRET');
    const audits = await deps.db.select().from(auditLog).where(eq(auditLog.entityType, 'source'));
    expect(JSON.stringify(audits)).not.toContain('tok-SECRET-123');
    const health = await body(call('GET', '/v1/sources/s/health', viewer));
    expect(health).toMatchObject({ name: 's', state: 'never-run', lastError: null });
  });
});

describe('ingest and mentions', () => {
  it('accepts a JSON array, keeps the good items, reports bad ones by index and field', async () => {
    const items = [
      makeMention({ text: 'acme one' }),
      { ...makeMention(), author: {} },
      makeMention({ text: '我喜欢艾克米' }),
    ];
    const r = await call('POST', '/v1/ingest', editor, items);
    expect(r.status).toBe(200);
    expect(await body(r)).toMatchObject({
      received: 3,
      stored: 2,
      duplicate: 0,
      rejected: 1,
      errors: [{ index: 1, field: 'author.handle' }],
    });
    const again = await body(call('POST', '/v1/ingest', editor, [items[0]]));
    expect(again).toMatchObject({ stored: 0, duplicate: 1 });
  });

  it('stores an item with fields outside the canonical shape and warns about each one', async () => {
    const item = {
      ...makeMention({ text: 'acme with extras' }),
      likes: 5,
      author: { handle: 'w', bio: 'hi' },
    };
    const r = await body(call('POST', '/v1/ingest', editor, [makeMention({ text: 'acme plain' }), item]));
    expect(r).toMatchObject({ stored: 2, rejected: 0 });
    expect(r.warnings).toEqual([
      {
        index: 1,
        field: 'likes',
        message: 'unknown field, ignored: it belongs under metrics (metrics.likes)',
      },
      { index: 1, field: 'author.bio', message: 'unknown field, ignored' },
    ]);
  });

  it('accepts NDJSON, counting unparseable lines as rejected', async () => {
    const nd = `${JSON.stringify(makeMention())}\n{broken\n${JSON.stringify(makeMention())}\n`;
    const r = await call('POST', '/v1/ingest', editor, nd, { 'content-type': 'application/x-ndjson' });
    expect(await body(r)).toMatchObject({ stored: 2, rejected: 1, errors: [{ index: 1, field: '(line)' }] });
  });

  it('413 for a body over the limit; 400 when nothing in the body is usable', async () => {
    const big = Array.from({ length: 200 }, () => makeMention({ text: 'x'.repeat(200) }));
    expect((await call('POST', '/v1/ingest', editor, big)).status).toBe(413);
    const r = await call('POST', '/v1/ingest', editor, [{ platform: 'x' }]);
    expect(r.status).toBe(400);
    expect((await body(r)).error.field).toBe('[0].externalId');
  });

  it('lists with filters, full-text search (English and Chinese) and stable cursor pagination', async () => {
    const items = Array.from({ length: 7 }, (_, i) =>
      makeMention({
        text: i % 2 ? `acme kettle number ${i}` : `艾克米水壶第${i}号质量很好`,
        platform: i < 4 ? 'reddit' : 'weibo',
        publishedAt: '2026-11-25T07:00:00Z',
      }),
    );
    await call('POST', '/v1/ingest', editor, items);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/mentions?brand=Acme&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await body(call('GET', q, viewer));
      seen.push(...page.data.map((m: { id: string }) => m.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);

    const kettle = await body(call('GET', '/v1/mentions?q=kettle', viewer));
    expect(kettle.data).toHaveLength(3);
    const zh = await body(call('GET', `/v1/mentions?q=${encodeURIComponent('水壶')}&platform=weibo`, viewer));
    expect(zh.data.length).toBeGreaterThan(0);
    expect(
      zh.data.every(
        (m: { platform: string; text: string }) => m.platform === 'weibo' && m.text.includes('水壶'),
      ),
    ).toBe(true);
    const one = await body(call('GET', `/v1/mentions/${seen[0]}`, viewer));
    expect(one).toMatchObject({ id: seen[0], brands: [{ name: 'Acme' }] });
    expect((await call('GET', '/v1/mentions?from=yesterday', viewer)).status).toBe(400);
    expect((await call('GET', '/v1/mentions/men_missing', viewer)).status).toBe(404);
  });
});
