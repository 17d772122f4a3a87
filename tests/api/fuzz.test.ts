import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeMention } from '../helpers/harness.ts';
import { tokenSource, useApi } from './harness.ts';

const t = useApi({
  collectors: [tokenSource],
  config: { brands: [{ name: 'Acme', query: '"acme"' }], server: { maxBodyBytes: 64 * 1024 } },
});

interface Operation {
  method: string;
  path: string;
  query: string[];
  body: string[];
}

type Doc = {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string }[];
        requestBody?: { content?: Record<string, { schema?: { $ref?: string; properties?: object } }> };
      }
    >
  >;
  components: { schemas: Record<string, { properties?: object; items?: { $ref?: string } }> };
};

/** Every operation of /openapi.json with its query parameters and JSON body fields. */
function operations(doc: Doc): Operation[] {
  const fields = (schema?: { $ref?: string; properties?: object; items?: { $ref?: string } }): string[] => {
    if (!schema) return [];
    const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema;
    if (resolved?.items) return fields(resolved.items);
    return Object.keys(resolved?.properties ?? {});
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      body: fields(op.requestBody?.content?.['application/json']?.schema),
    })),
  );
}

/** Strings that have broken servers: NUL, bad UTF-8 (percent-encoded), surrogates, huge, odd numbers and dates. */
const nasty = fc.oneof(
  { arbitrary: fc.string({ maxLength: 12 }), weight: 40 },
  {
    weight: 40,
    arbitrary: fc.constantFrom(
      '\u0000',
      'a\u0000b',
      '%00',
      '%C3%28',
      '%FF%FE',
      '%ED%A0%80',
      '%',
      '%%',
      '..',
      '../../etc/passwd',
      '\ud800',
      '😀',
      '艾克米',
      '-1',
      '0',
      '1e309',
      '99999999999999999999',
      'NaN',
      'null',
      'true',
      '[]',
      '{}',
      '999999-01-01',
      '0000-00-00T25:61:61Z',
      '2026-11-25T08:00:00Z',
      '(acme OR',
      '"',
      "'; drop table mentions; --",
      '<script>alert(1)</script>',
    ),
  },
  // Long values, written as a marker so a counterexample stays readable: see `expand`.
  { arbitrary: fc.integer({ min: 200, max: 3_000 }).map((n) => `<x*${n}>`), weight: 4 },
  { arbitrary: fc.constant('<x*17000>'), weight: 1 },
);

/** `<x*N>` becomes N x's. */
const expand = (s: string) => s.replace(/<x\*(\d+)>/g, (_, n: string) => 'x'.repeat(Number(n)));

/** Values that pass validation somewhere, so requests also reach the handlers. */
const plausible = fc.constantFrom(
  'Acme',
  'seed',
  '10',
  '1',
  '2026-11-20T00:00:00Z',
  '2026-11-25T07:00:00Z',
  'negative',
  'positive',
  'x',
  'test',
  'weibo',
  'influence',
  'open',
  'day',
  'hour',
  'csv',
  'html',
  'macro',
  'advocate',
);

/** JSON values of every type, nasty strings included. */
const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    nasty,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), nasty), tie('value'), { maxKeys: 3 }),
  ),
})).value;

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/x-ndjson',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  '',
  '*/*',
];

/** Percent-encoded as a client would; already-encoded (possibly invalid) sequences go as they are. */
function enc(raw: string): string {
  const s = expand(raw);
  if (/%[0-9A-F]{2}/i.test(s) || s === '%' || s === '%%') return s;
  try {
    return encodeURIComponent(s);
  } catch {
    // A lone surrogate has no UTF-8 form: send the bytes a broken client would.
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
  }
}

/**
 * Random paths, query strings, headers, content types and bodies (NUL bytes, bad UTF-8, huge and
 * wrongly typed values) at every route of /openapi.json with every role. Fixed seed and a modest
 * number of runs keep it to a few seconds; FUZZ_SEED and FUZZ_RUNS explore further by hand.
 */
describe('fuzzing every route in /openapi.json with every role', () => {
  it('never answers 5xx, and every 4xx is the error envelope', async () => {
    const doc = (await (await t.call('GET', '/openapi.json')).json()) as Doc;
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(30);
    // Something to find: a mention and a source, so some requests reach deeper than a 404.
    await t.call('POST', '/v1/ingest', t.editor, [makeMention({ text: 'acme seed' })]);
    await t.call('POST', '/v1/sources', t.admin, {
      name: 'seed',
      type: 'token-source',
      options: { url: 'https://a.example' },
    });
    const keys = {
      none: undefined,
      bogus: 'esk_not_a_key',
      viewer: t.viewer,
      editor: t.editor,
      admin: t.admin,
    };
    /** What 'bogus' sends besides a wrong key: authorization headers of the wrong shape. */
    const malformedAuth = [
      'Bearer esk_not_a_key',
      'Basic Zm9vOmJhcg==',
      'Bearer',
      'Bearer  a b',
      `${t.viewer}`,
    ];

    const request = fc.record({
      op: fc.constantFrom(...ops),
      role: fc.constantFrom<keyof typeof keys>(
        'none',
        'bogus',
        'viewer',
        'viewer',
        'editor',
        'editor',
        'admin',
        'admin',
      ),
      params: fc.array(fc.oneof(nasty, fc.constantFrom('Acme', 'seed', 'x')), { minLength: 3, maxLength: 3 }),
      query: fc.array(fc.tuple(fc.oneof(fc.constant(''), nasty), nasty), { maxLength: 4 }),
      known: fc.array(fc.option(fc.oneof(nasty, plausible), { nil: undefined, freq: 2 }), {
        minLength: 6,
        maxLength: 6,
      }),
      contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
      body: fc.oneof(
        fc.constant(undefined),
        jsonish.map((v) => JSON.stringify(v)),
        fc.array(jsonish, { maxLength: 6 }).map((vs) => vs),
        fc.constantFrom('{"name":"a\\u0000"}', '{', '[{"platform":"x"}', '\u0000', 'a,b\nc'),
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: 60_000, max: 90_000 }).map((n) => `{"name":"<x*${n}>"}`),
      ),
      requestId: fc.option(fc.oneof(fc.string({ maxLength: 80 }), fc.constant('ok-id')), { nil: undefined }),
    });

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let i = 0;
        const path = r.op.path.replace(/\{[^}]+\}/g, () => enc(r.params[i++ % 3]!));
        const qs = [
          ...r.op.query
            .slice(0, 6)
            .flatMap((name, j) => (r.known[j] === undefined ? [] : [[name, r.known[j]!] as const])),
          ...r.query,
        ]
          .map(([k, v]) => `${enc(k)}=${enc(v)}`)
          .join('&');
        // Bodies shaped like the route's own (its field names) with values of every type.
        let body: RequestInit['body'] | undefined;
        if (Array.isArray(r.body))
          body = JSON.stringify(
            Object.fromEntries(r.op.body.map((f, j) => [f, r.body && (r.body as unknown[])[j]])),
          );
        else body = typeof r.body === 'string' ? expand(r.body) : (r.body as RequestInit['body'] | undefined);
        const headers: Record<string, string> = {};
        const key = keys[r.role];
        if (r.role === 'bogus')
          headers.authorization = malformedAuth[r.params[0]!.length % malformedAuth.length]!;
        else if (key) headers.authorization = `Bearer ${key}`;
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.requestId !== undefined && /^[\x20-\x7e]*$/.test(r.requestId))
          headers['x-request-id'] = r.requestId;
        const ac = new AbortController();
        const method = r.op.method;
        const res = await t.app.request(`${path}${qs ? `?${qs}` : ''}`, {
          method,
          headers,
          body: method === 'GET' || method === 'HEAD' ? undefined : body,
          signal: ac.signal,
        });
        const what = `${method} ${path}?${qs} as ${r.role} (${res.status})`;
        if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
          ac.abort();
          await res.body?.cancel().catch(() => {});
          expect(res.status, what).toBe(200);
          return;
        }
        const text = await res.text();
        expect(res.status, `${what}: ${text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 400) {
          let b: { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | undefined;
          try {
            b = JSON.parse(text);
          } catch {
            b = undefined;
          }
          expect(b?.error, `${what}: not the envelope: ${text.slice(0, 200)}`).toBeDefined();
          expect(typeof b!.error!.code, what).toBe('string');
          expect(typeof b!.error!.message, what).toBe('string');
          expect(typeof b!.error!.requestId, what).toBe('string');
        }
      }),
      {
        seed: Number(process.env.FUZZ_SEED ?? 1010),
        numRuns: Number(process.env.FUZZ_RUNS ?? 300),
        endOnFailure: true,
      },
    );
  }, 120_000);
});
