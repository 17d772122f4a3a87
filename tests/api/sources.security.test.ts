import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { collectors } from '../../collectors/index.ts';
import { mastodon } from '../../collectors/mastodon.ts';
import { defineCollector } from '../../collectors/types.ts';
import { destinationsOf } from '../../src/api/destinations.ts';
import { contractCases } from '../helpers/contract-cases.ts';
import { envelope, json, useApi } from './harness.ts';

/** Builds its host from a plain option, not a URL: only a dry run of the collector can tell. */
const regional = defineCollector({
  id: 'regional',
  description: 'host from a region name',
  options: z.object({ region: z.string().regex(/^[a-z0-9-]+$/), query: z.string() }),
  secrets: ['apiKey'],
  defaultSchedule: '*/30 * * * *',
  async *collect(ctx, o) {
    const r = await ctx.http.get(`https://${o.region}.api.example.com/search`, {
      query: { q: o.query },
      headers: { 'x-api-key': ctx.secrets.apiKey ?? '' },
    });
    yield { mentions: [], cursor: r.status };
  },
});

const t = useApi({ collectors: [mastodon, regional] });

const mastodonSource = (over: Record<string, unknown> = {}) => ({
  name: 'masto',
  type: 'mastodon',
  options: { baseUrl: 'https://mastodon.social', hashtag: 'acme' },
  secrets: { token: 'admin-token-SECRET' },
  ...over,
});

describe('an editor cannot redirect a source that holds secrets (issue 10 item 6)', () => {
  it('moving options.baseUrl of a mastodon source with a token is refused for an editor; nothing changes', async () => {
    const s = await json(t.call('POST', '/v1/sources', t.admin, mastodonSource()));
    const r = await t.call('PATCH', `/v1/sources/${s.id}`, t.editor, {
      options: { baseUrl: 'https://attacker.example' },
    });
    const e = await envelope(r, 403);
    expect(e).toMatchObject({ code: 'FORBIDDEN', field: 'options' });
    expect(e.message).toContain('https://attacker.example');
    const now = await json(t.call('GET', `/v1/sources/${s.id}`, t.viewer));
    expect(now.options.baseUrl).toBe('https://mastodon.social');
    expect(now.secrets).toEqual(['token']);
  });

  it('an editor may change what a source asks for, move it when sending new secrets, and an admin may move it', async () => {
    const s = await json(t.call('POST', '/v1/sources', t.admin, mastodonSource()));
    const same = await t.call('PATCH', `/v1/sources/${s.id}`, t.editor, { options: { hashtag: 'globex' } });
    expect(same.status).toBe(200);
    const own = await t.call('PATCH', `/v1/sources/${s.id}`, t.editor, {
      options: { baseUrl: 'https://other.example' },
      secrets: { token: 'editor-own-token' },
    });
    expect(own.status).toBe(200);
    const admin = await t.call('PATCH', `/v1/sources/${s.id}`, t.admin, {
      options: { baseUrl: 'https://third.example' },
    });
    expect(admin.status).toBe(200);
    expect((await json(admin)).options.baseUrl).toBe('https://third.example');
  });

  it('a host decided by a non-URL option is found by the dry run', async () => {
    const s = await json(
      t.call('POST', '/v1/sources', t.admin, {
        name: 'reg',
        type: 'regional',
        options: { region: 'eu', query: 'acme' },
        secrets: { apiKey: 'k' },
      }),
    );
    expect(
      (await t.call('PATCH', `/v1/sources/${s.id}`, t.editor, { options: { query: 'globex' } })).status,
    ).toBe(200);
    const moved = await t.call('PATCH', `/v1/sources/${s.id}`, t.editor, { options: { region: 'evil' } });
    expect((await envelope(moved, 403)).message).toContain('https://evil.api.example.com');
  });

  it('every registered collector: the dry run finds the origin its first request goes to', async () => {
    const checkedBuiltIn: string[] = [];
    for (const c of collectors) {
      const cse = contractCases[c.id];
      expect(cse, `contract case for ${c.id}`).toBeDefined();
      const options = c.options.parse(cse!.options('https://probe.example:8443')) as Record<string, unknown>;
      const secrets = Object.keys(cse!.secrets ?? {});
      const found = await destinationsOf(c, options, secrets);
      expect([...found], c.id).toContain('https://probe.example:8443');
      // Without baseUrl the collector's built-in host is used: only the dry run can see it.
      const { baseUrl: _b, ...rest } = cse!.options('https://probe.example:8443');
      const bare = c.options.safeParse(rest);
      if (bare.success && !JSON.stringify(bare.data).includes('probe.example')) {
        const builtIn = await destinationsOf(c, bare.data as Record<string, unknown>, secrets);
        expect(builtIn.size, `${c.id} built-in host`).toBeGreaterThan(0);
        checkedBuiltIn.push(c.id);
      }
    }
    expect(checkedBuiltIn.length).toBeGreaterThan(3);
  });
});

describe('only an admin may let a source reach private networks (issue 10 item 7)', () => {
  it('an editor creating a source with allowPrivateNetwork: true gets 403; an admin may', async () => {
    const body = mastodonSource({ secrets: undefined, allowPrivateNetwork: true });
    const r = await t.call('POST', '/v1/sources', t.editor, body);
    expect(await envelope(r, 403)).toMatchObject({ code: 'FORBIDDEN', field: 'allowPrivateNetwork' });
    expect((await json(t.call('GET', '/v1/sources', t.viewer))).data).toHaveLength(0);
    expect((await t.call('POST', '/v1/sources', t.admin, body)).status).toBe(201);
  });

  it('an editor may not switch it on later, nor move a source that has it', async () => {
    const plain = await json(t.call('POST', '/v1/sources', t.editor, mastodonSource({ secrets: undefined })));
    const on = await t.call('PATCH', `/v1/sources/${plain.id}`, t.editor, { allowPrivateNetwork: true });
    expect(await envelope(on, 403)).toMatchObject({ field: 'allowPrivateNetwork' });
    const priv = await json(
      t.call(
        'POST',
        '/v1/sources',
        t.admin,
        mastodonSource({ name: 'intranet', secrets: undefined, allowPrivateNetwork: true }),
      ),
    );
    const moved = await t.call('PATCH', `/v1/sources/${priv.id}`, t.editor, {
      options: { baseUrl: 'http://169.254.169.254' },
    });
    expect((await envelope(moved, 403)).code).toBe('FORBIDDEN');
    // Switching it off is always allowed (it only narrows what the source may reach).
    expect(
      (await t.call('PATCH', `/v1/sources/${priv.id}`, t.editor, { allowPrivateNetwork: false })).status,
    ).toBe(200);
  });
});
