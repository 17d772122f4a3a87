import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/index.ts';
import { EarshotError, FetchError, SourceFault } from '../../src/errors.ts';
import { type MentionInput, mentionInputSchema } from '../../src/mention.ts';
import { collectPages, ctxFor, testHttp } from '../helpers/collect.ts';
import { contractCases as table } from '../helpers/contract-cases.ts';
import { FAULT_MATRIX, type FixtureServer, startFixtureServer } from '../helpers/fixture-server.ts';

/**
 * Every registered collector against the fault matrix on its first request (the cases are in
 * tests/helpers/contract-cases.ts; later requests: contract.paging.test.ts; arbitrary bodies:
 * contract.property.test.ts). A collector without a case fails here.
 */
const faults = FAULT_MATRIX;

/** When a mention was published, as the pipeline reads it (NaN when it cannot be read). */
const publishedMs = (m: MentionInput) => {
  const r = mentionInputSchema.shape.publishedAt.safeParse(m.publishedAt);
  return r.success ? r.data.getTime() : Number.NaN;
};

let srv: FixtureServer;
beforeAll(async () => {
  srv = await startFixtureServer();
  for (const c of collectors) {
    const t = table[c.id];
    if (t) srv.route('GET', t.path, t.reply);
  }
});
afterAll(() => srv.close());

describe('collector contract', () => {
  it('every registered collector has a contract fixture', () => {
    expect(collectors.map((c) => c.id).filter((id) => !table[id])).toEqual([]);
  });

  it('every collector says whether its text is HTML or plain (plain text is escaped for the pipeline)', () => {
    expect(collectors.filter((c) => c.textFormat === undefined).map((c) => c.id)).toEqual([]);
  });

  it('every collector takes options.baseUrl and sends its requests there', async () => {
    for (const c of collectors) {
      const t = table[c.id]!;
      const opts = t.options(srv.url);
      // Sources configured by URL (feeds, pages) keep its path and query under the base.
      if (typeof opts.url === 'string') opts.url = opts.url.replace(srv.url, 'https://platform.example');
      const n = srv.requests.length;
      const { pages, error } = await collectPages(c, ctxFor(testHttp(), null, { secrets: t.secrets ?? {} }), {
        ...opts,
        baseUrl: srv.url,
      });
      expect(error, c.id).toBeUndefined();
      expect(pages.flatMap((p) => p.mentions).length, c.id).toBeGreaterThan(0);
      expect(srv.requests.length, c.id).toBeGreaterThan(n);
    }
  });

  for (const c of collectors) {
    describe(c.id, () => {
      const t = table[c.id]!;
      it('collects from a good response', async () => {
        const { pages, error } = await collectPages(
          c,
          ctxFor(testHttp(), null, { secrets: t.secrets ?? {} }),
          t.options(srv.url),
        );
        expect(error).toBeUndefined();
        expect(pages.flatMap((p) => p.mentions).length).toBeGreaterThan(0);
      });

      for (const f of faults) {
        it(`${f.name}: typed error (retry=${f.retry}), no page, and the next good run succeeds`, async () => {
          srv.fault(t.path, f.fault, 1);
          const bad = await collectPages(
            c,
            ctxFor(testHttp({ timeouts: { headersMs: 200, bodyMs: 200 } }), null, {
              secrets: t.secrets ?? {},
            }),
            t.options(srv.url),
          );
          expect(bad.pages).toEqual([]);
          expect(bad.error).toBeInstanceOf(EarshotError);
          expect((bad.error as EarshotError).retry).toBe(f.retry);
          const good = await collectPages(
            c,
            ctxFor(testHttp(), null, { secrets: t.secrets ?? {} }),
            t.options(srv.url),
          );
          expect(good.error).toBeUndefined();
          expect(good.pages.length).toBeGreaterThan(0);
        });
      }

      for (const [fault, kinds] of [
        ['captcha', ['captcha']],
        ['login-wall', ['login-wall']],
        ['empty', ['empty', 'schema-changed', 'parse-error']],
      ] as const) {
        it(`a ${fault} page is a source fault (${kinds.join(' or ')}), never "no mentions"`, async () => {
          srv.fault(t.path, { kind: fault }, 1);
          const bad = await collectPages(
            c,
            ctxFor(testHttp(), null, { secrets: t.secrets ?? {} }),
            t.options(srv.url),
          );
          expect(bad.pages).toEqual([]);
          expect(bad.error).toBeInstanceOf(SourceFault);
          expect(kinds).toContain((bad.error as SourceFault).kind);
        });
      }

      it('holds the backfill horizon on a later run too: nothing older, whatever the cursor', async () => {
        const first = await collectPages(
          c,
          ctxFor(testHttp(), null, { secrets: t.secrets ?? {} }),
          t.options(srv.url),
        );
        expect(first.error).toBeUndefined();
        const times = first.pages
          .flatMap((p) => p.mentions)
          .map(publishedMs)
          .sort((a, b) => a - b);
        // A horizon in the middle of what the first run found, with the cursor it committed.
        const horizon = times[Math.floor(times.length / 2)]!;
        const again = await collectPages(
          c,
          ctxFor(testHttp(), first.pages.at(-1)!.cursor, {
            secrets: t.secrets ?? {},
            backfillSince: new Date(horizon),
          }),
          t.options(srv.url),
        );
        expect(again.error).toBeUndefined();
        const older = again.pages.flatMap((p) => p.mentions).filter((m) => publishedMs(m) < horizon);
        expect(older.map((m) => m.externalId)).toEqual([]);
      });

      it('retries a transient fault inside the HTTP layer and succeeds', async () => {
        srv.fault(t.path, { kind: 'status', status: 503 }, 1);
        srv.fault(t.path, { kind: 'reset' }, 1);
        const { pages, error } = await collectPages(
          c,
          ctxFor(testHttp({ retries: 3 }), null, { secrets: t.secrets ?? {} }),
          t.options(srv.url),
        );
        expect(error).toBeUndefined();
        expect(pages.length).toBeGreaterThan(0);
      });
    });
  }
});

it('FetchError redacts secrets in URLs', () => {
  const e = new FetchError('x', {
    url: 'https://api.example.com/v1?access_token=abc123&q=acme',
    failure: 'status',
    status: 500,
  });
  expect(e.url).not.toContain('abc123');
  expect(e.url).toContain('q=acme');
});
