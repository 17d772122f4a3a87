import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client.ts';
import { authorHistory, findExisting, storySizes } from '../../db/repo/mentions.ts';
import type { Deps } from '../../src/deps.ts';
import { makeDeps, makeMention } from '../helpers/harness.ts';
import { openTestDb, truncateAll } from '../helpers/pg.ts';

let h: DbHandle;
let deps: Deps;

beforeAll(async () => {
  h = await openTestDb();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await truncateAll(h);
  deps = await makeDeps({ handle: h });
});

/** Keys a platform may hand us: quotes, backslashes, commas, braces, spaces, NULL-looking text. */
const AWKWARD = ['a"b', 'c\\d', 'e,f', '{g}', ' h ', 'NULL', '', 'ключ', '鍵"\\,{}'];

describe('ingest lookups take whole key lists as one parameter', () => {
  it('find stored mentions, authors and stories by awkward keys, and nothing else', async () => {
    const items = AWKWARD.map((k, i) =>
      makeMention({ platform: `p${i % 2}`, externalId: `x${k}`, author: { handle: `h${k}` } }),
    );
    const r = await deps.pipeline.processBatch(items, { origin: 'test' });
    expect(r.stored).toBe(AWKWARD.length);

    const keys = items.map((m) => ({ platform: m.platform, externalId: String(m.externalId) }));
    const found = await findExisting(deps.db, [...keys, { platform: 'p0', externalId: 'x"nope' }]);
    expect(found.map((f) => `${f.platform}/${f.externalId}`).sort()).toEqual(
      keys.map((k) => `${k.platform}/${k.externalId}`).sort(),
    );

    const handles = await h.query<{ platform: string; handle: string }>(
      'select platform, author_handle as handle from mentions',
    );
    const seen = await authorHistory(deps.db, [...handles, { platform: 'p0', handle: 'h"nope' }]);
    expect(seen.size).toBe(AWKWARD.length);

    const ids = found.map((f) => f.id);
    const sizes = await storySizes(deps.db, [...ids, 'men_"missing'], new Date(0));
    expect([...sizes.values()]).toEqual(ids.map(() => 1));
  });
});
