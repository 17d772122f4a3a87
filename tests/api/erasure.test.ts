import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { alertConfig, useAlertsHarness } from '../alerts/harness.ts';
import { makeKey, makeMention } from '../helpers/harness.ts';
import { envelope, json } from './harness.ts';

const t = useAlertsHarness((sink) =>
  alertConfig(sink, {
    rules: { 'influential-negative': { enabled: true } },
  }),
);

const HANDLE = 'Zyx_Victim42';
const NAME = 'Quintessa Vellaquor';
const EXT = ['vx-1001-aa11bb', 'vx-1002-cc22dd', 'vx-1003-ee33ff'];

/**
 * Every text-like column of every table, read as text: the tables and columns come from
 * information_schema, so a table added later is searched too.
 */
async function dumpEverything(): Promise<{ where: string; text: string }[]> {
  const cols = await t.h.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns
     where table_schema = 'public'
       and data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'tsvector', 'ARRAY', 'USER-DEFINED')
     order by table_name, ordinal_position`,
  );
  expect(cols.length).toBeGreaterThan(40);
  const out: { where: string; text: string }[] = [];
  for (const c of cols) {
    const r = await t.h.query<{ v: string | null }>(
      `select "${c.column_name}"::text as v from "${c.table_name}" where "${c.column_name}" is not null`,
    );
    for (const x of r) if (x.v) out.push({ where: `${c.table_name}.${c.column_name}`, text: x.v });
  }
  return out;
}

/** Where (table.column) any of the needles still appears, case-insensitively. */
async function traces(needles: string[]): Promise<string[]> {
  const lower = needles.map((n) => n.toLowerCase());
  return (await dumpEverything())
    .filter((d) => lower.some((n) => d.text.toLowerCase().includes(n)))
    .map((d) => `${d.where}: ${d.text.slice(0, 160)}`);
}

describe('GDPR erasure reaches every table and payload (issue 10 item 10)', () => {
  it('after DELETE /v1/authors/{platform}/{handle}, no column of any table holds the handle, the display name or a post id', async () => {
    const app = createApp(t.deps);
    const admin = await makeKey(t.deps, 'admin');
    const editor = await makeKey(t.deps, 'editor');
    const call = (method: string, path: string, key: string, body?: unknown) =>
      app.request(path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    const author = {
      handle: HANDLE,
      name: NAME,
      followers: 3_000_000,
      verified: true,
      url: `https://x.com/${HANDLE}`,
    };
    const victimPosts = [
      makeMention({
        platform: 'x',
        externalId: EXT[0],
        url: `https://x.com/${HANDLE}/status/${EXT[0]}`,
        text: 'acme is awful, the kettle burnt my kitchen',
        author,
        raw: { user: { screen_name: HANDLE, name: NAME }, id_str: EXT[0] },
      }),
      // The same account under another spelling of the handle (X ignores case).
      makeMention({
        platform: 'x',
        externalId: EXT[1],
        text: 'acme is awful and support ignores me',
        author: { ...author, handle: HANDLE.toLowerCase() },
      }),
    ];
    const reply = makeMention({
      platform: 'x',
      externalId: 'other-reply-1',
      parentId: EXT[0],
      threadId: EXT[0],
      text: `@${HANDLE.toLowerCase()} same here, acme sent me a broken one`,
      author: { handle: 'someone_else', name: 'Someone Else' },
      raw: { in_reply_to_screen_name: HANDLE, in_reply_to_status_id_str: EXT[0] },
    });
    const bystander = makeMention({
      platform: 'x',
      externalId: 'other-post-2',
      text: 'acme made me a victim of bad service',
      author: { handle: 'bystander', name: 'By Stander' },
    });
    await t.ingest([...victimPosts, reply, bystander]);
    const inc = (await t.incidents()).find(
      (i) => i.title.includes(HANDLE) || i.title.includes(HANDLE.toLowerCase()),
    );
    expect(inc, 'an influential-negative incident names the author').toBeDefined();
    expect((await t.rows()).some((r) => JSON.stringify(r.payload).includes(NAME))).toBe(true);

    // Audit snapshots and timelines that quote them: acknowledge (before/after carry the title),
    // a note, a label note on one of their posts, a customer link.
    expect((await call('POST', `/v1/incidents/${inc!.id}/ack`, editor)).status).toBe(200);
    expect(
      (await call('POST', `/v1/incidents/${inc!.id}/note`, editor, { text: `called @${HANDLE} back` }))
        .status,
    ).toBe(201);
    const [victimRow] = await t.h.query<{ id: string }>(
      `select id from mentions where external_id = '${EXT[0]}'`,
    );
    expect(
      (
        await call('POST', `/v1/mentions/${victimRow!.id}/label`, editor, {
          sentiment: 'negative',
          note: `@${HANDLE} again`,
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('POST', '/v1/customers', editor, [
          { crmId: 'C-77', name: 'CRM record', handles: [{ platform: 'x', handle: HANDLE }] },
        ])
      ).status,
    ).toBe(200);
    expect(await traces([HANDLE, NAME, ...EXT.slice(0, 2)])).not.toEqual([]);

    // Viewers and editors may not erase; an admin may, in any case of the handle.
    expect((await call('DELETE', `/v1/authors/x/${HANDLE}`, editor)).status).toBe(403);
    const r = await call('DELETE', `/v1/authors/x/${HANDLE.toUpperCase()}`, admin);
    expect(r.status).toBe(200);
    const result = await json(r);
    expect(result).toMatchObject({ mentions: 2, profile: true, customerLinks: 1 });
    expect(result.outboxMessages).toBeGreaterThan(0);
    expect(result.otherMentions).toBe(1);
    expect(result.records).toBeGreaterThan(2);
    expect(JSON.stringify(result)).not.toMatch(/victim/i);

    expect(await traces([HANDLE, NAME, ...EXT.slice(0, 2)])).toEqual([]);
    // Other people's words stay, minus the pointer to the erased author; the thread holds.
    const others = await t.h.query<{ external_id: string; text: string; parent_id: string | null }>(
      `select external_id, text, parent_id from mentions where external_id like 'other-%' order by external_id`,
    );
    expect(others.map((o) => o.text)).toEqual([
      'acme made me a victim of bad service',
      '@[erased] same here, acme sent me a broken one',
    ]);
    const [erasedParent] = await t.h.query<{ external_id: string }>(
      `select external_id from mentions where external_id = '${others[1]!.parent_id}'`,
    );
    expect(erasedParent?.external_id).toMatch(/^erased:/);

    // A later post by the same account in another case is redacted on arrival, id included;
    // a re-read of an erased post is a duplicate, not a new row.
    const later = await json(
      call('POST', '/v1/ingest', editor, [
        makeMention({
          platform: 'x',
          externalId: EXT[2],
          text: 'acme is awful, still no refund',
          author: { handle: HANDLE.toUpperCase(), name: NAME },
        }),
        victimPosts[0],
      ]),
    );
    expect(later).toMatchObject({ stored: 1, duplicate: 1 });
    expect(await traces([HANDLE, NAME, ...EXT])).toEqual([]);
    const [n] = await t.h.query<{ n: number }>(
      `select count(*)::int as n from mentions where platform = 'x'`,
    );
    expect(Number(n!.n)).toBe(5);
  });

  it('a case-sensitive platform erases only the exact handle', async () => {
    const app = createApp(t.deps);
    const admin = await makeKey(t.deps, 'admin');
    await t.ingest([
      makeMention({ platform: 'hackernews', text: 'acme one', author: { handle: 'Alice' } }),
      makeMention({ platform: 'hackernews', text: 'acme two', author: { handle: 'alice' } }),
    ]);
    const r = await app.request('/v1/authors/hackernews/alice', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(await json(r)).toMatchObject({ mentions: 1 });
    const left = await t.h.query<{ author_handle: string }>(
      `select author_handle from mentions where platform = 'hackernews' and text <> '[erased]'`,
    );
    expect(left.map((x) => x.author_handle)).toEqual(['Alice']);
  });

  it('erasure needs an admin key', async () => {
    const app = createApp(t.deps);
    const viewer = await makeKey(t.deps, 'viewer');
    const r = await app.request('/v1/authors/x/someone', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect((await envelope(r, 403)).code).toBe('FORBIDDEN');
  });
});
