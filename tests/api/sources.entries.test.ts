import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCollector } from '../../collectors/types.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigError } from '../../src/errors.ts';
import { json, useApi } from './harness.ts';

/** A source type as a plugin author may write it: a plain (not strict) object, no `baseUrl` of its own. */
const forum = defineCollector({
  id: 'forum',
  description: 'a test source type',
  options: z.object({ url: z.url(), query: z.string().optional() }),
  secrets: ['token'],
  defaultSchedule: '*/30 * * * *',
  async *collect() {},
});

const t = useApi({ collectors: [forum] });

const create = (options: Record<string, unknown>, secrets?: Record<string, string>) =>
  t.call('POST', '/v1/sources', t.admin, {
    name: 'f',
    type: 'forum',
    options,
    ...(secrets ? { secrets } : {}),
  });

/** The message the config loader gives for the same entry, without its file:line:col. */
function configMessage(options: Record<string, unknown>, secrets?: Record<string, string>): string {
  const entry = JSON.stringify({ name: 'f', type: 'forum', options, ...(secrets ? { secrets } : {}) });
  try {
    parseConfig(`sources:\n  - ${entry}\n`, 'earshot.yaml', {
      collectors: [forum],
      channels: [],
      classifiers: [],
      env: {},
    });
  } catch (e) {
    return (e as ConfigError).issues[0]!.message;
  }
  throw new Error('expected a ConfigError');
}

describe('POST /v1/sources checks an entry as the config loader does', () => {
  it('checks the options every source takes (baseUrl), which the API skipped', async () => {
    const r = await create({ url: 'https://forum.example/feed', baseUrl: 'not a url' });
    expect(r.status).toBe(400);
    const e = (await json(r)).error;
    expect(e.field).toBe('options.baseUrl');
    expect(e.message).toBe(
      `options.baseUrl: ${configMessage({ url: 'https://forum.example/feed', baseUrl: 'x' })}`,
    );
  });

  it('names a mistyped option instead of dropping it', async () => {
    const r = await create({ url: 'https://forum.example/feed', qeury: 'acme' });
    expect(r.status).toBe(400);
    expect((await json(r)).error).toMatchObject({
      field: 'options.qeury',
      message: 'options.qeury: Unknown option "qeury"; did you mean "query"? One of: url, query, baseUrl',
    });
  });

  it('names an unknown type and an unknown secret as the config does', async () => {
    const bad = await t.call('POST', '/v1/sources', t.admin, { name: 'f', type: 'forun', options: {} });
    expect((await json(bad)).error).toMatchObject({
      field: 'type',
      message: 'type: Unknown source type "forun"; did you mean "forum"? One of: forum',
    });
    const secret = await create({ url: 'https://forum.example/feed' }, { tokn: 'x' });
    expect((await json(secret)).error).toMatchObject({
      field: 'secrets.tokn',
      message: `secrets.tokn: ${configMessage({ url: 'https://forum.example/feed' }, { tokn: 'x' })}`,
    });
    expect((await create({ url: 'https://forum.example/feed', query: 'acme' })).status).toBe(201);
  });
});
