import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuerySyntaxError } from '../../src/errors.ts';
import {
  compileQuery,
  type MatchDoc,
  type PreparedDoc,
  parseQuery,
  prepareDoc,
  printQuery,
  type QueryNode,
  stripPositions,
} from '../../src/query/index.ts';

// ---- generators -------------------------------------------------------------------------

const WORDS = [
  'acme',
  'globex',
  'refund',
  'scam',
  'kettle',
  'e-mail',
  "acme's",
  '艾克米',
  '退款',
  '手机',
  'コーヒー',
];
const word = fc.constantFrom(...WORDS);
const scope = fc.constantFrom<'any' | 'title'>('any', 'any', 'title');

const leaf: fc.Arbitrary<QueryNode> = fc.oneof(
  fc.record({ type: fc.constant('term' as const), value: word, scope, pos: fc.constant(0) }),
  fc.record({
    type: fc.constant('phrase' as const),
    value: fc.array(word, { minLength: 1, maxLength: 3 }).map((ws) => ws.join(' ')),
    scope,
    pos: fc.constant(0),
  }),
  fc.record({
    type: fc.constant('wildcard' as const),
    value: fc.constantFrom('refund*', 'acm?', 'sc?m', 'kett*', 'glob?x*'),
    scope,
    pos: fc.constant(0),
  }),
  fc.record({
    type: fc.constant('tag' as const),
    value: fc.constantFrom('#acme', '@acme', '#艾克米', '@acme.support'),
    scope,
    pos: fc.constant(0),
  }),
  fc.oneof(
    fc.record({
      type: fc.constant('field' as const),
      field: fc.constant('site' as const),
      value: fc.constantFrom('example.com', 'news.example.com'),
      pos: fc.constant(0),
    }),
    fc.record({
      type: fc.constant('field' as const),
      field: fc.constant('lang' as const),
      value: fc.constantFrom('en', 'zh', 'zh-cn'),
      pos: fc.constant(0),
    }),
    fc.record({
      type: fc.constant('field' as const),
      field: fc.constant('author' as const),
      value: fc.constantFrom('acme_official', 'acme support'),
      pos: fc.constant(0),
    }),
    fc.record({
      type: fc.constant('field' as const),
      field: fc.constant('url' as const),
      value: fc.constantFrom('/blog', 'example.com/a'),
      pos: fc.constant(0),
    }),
    fc.record({
      type: fc.constant('field' as const),
      field: fc.constant('platform' as const),
      value: fc.constantFrom('reddit', 'weibo'),
      pos: fc.constant(0),
    }),
  ),
);

const nearOperand: fc.Arbitrary<QueryNode> = fc.oneof(
  leaf.filter((n) => n.type !== 'field'),
  fc
    .array(
      leaf.filter((n) => n.type !== 'field'),
      { minLength: 2, maxLength: 3 },
    )
    .map((children) => ({ type: 'or' as const, children, pos: 0 })),
);

const ast: fc.Arbitrary<QueryNode> = fc.letrec<{ node: QueryNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .array(tie('node'), { minLength: 2, maxLength: 3 })
      .map((children) => ({ type: 'and' as const, children, pos: 0 })),
    fc
      .array(tie('node'), { minLength: 2, maxLength: 3 })
      .map((children) => ({ type: 'or' as const, children, pos: 0 })),
    tie('node').map((child) => ({ type: 'not' as const, child, pos: 0 })),
    fc
      .record({
        left: nearOperand,
        right: nearOperand,
        distance: fc.integer({ min: 0, max: 6 }),
        ordered: fc.boolean(),
      })
      .map((r) => ({ type: 'near' as const, ...r, pos: 0 })),
  ),
})).node;

function positive(n: QueryNode): boolean {
  if (n.type === 'not') return false;
  if (n.type === 'and') return n.children.some(positive);
  if (n.type === 'or') return n.children.every(positive);
  return true;
}

/** A query string: a positive generated AST, printed. */
const query = ast.filter(positive).map(printQuery);

const DOC_WORDS = [
  ...WORDS,
  'the',
  'a',
  'is',
  '很',
  '的',
  '#acme',
  '@acme',
  '@acme.support',
  '#艾克米',
  'colour',
  'acmeville',
  'globexes',
  '，',
  '!',
  '-',
  'ACME',
  'ＡＣＭＥ',
];
const docText = fc
  .array(fc.constantFrom(...DOC_WORDS), { maxLength: 14 })
  .chain((ws) =>
    fc
      .array(fc.constantFrom(' ', '', ', ', '\n'), { minLength: ws.length, maxLength: ws.length })
      .map((seps) => ws.map((w, i) => w + seps[i]).join('')),
  );
const doc: fc.Arbitrary<MatchDoc> = fc.record({
  text: docText,
  title: fc.option(docText, { nil: null }),
  authorHandle: fc.constantFrom(null, '@acme_official', 'someone'),
  authorName: fc.constantFrom(null, 'Acme Support', 'Jane'),
  url: fc.constantFrom(null, 'https://news.example.com/blog/x', 'https://other.org/a', 'not a url'),
  lang: fc.constantFrom(null, 'en', 'zh-CN', 'ja'),
  platform: fc.constantFrom(null, 'reddit', 'weibo'),
});

const m = (q: string, d: PreparedDoc) => compileQuery(q).match(d);

// ---- properties -------------------------------------------------------------------------

describe('printing and parsing', () => {
  it('printing a random AST and parsing it gives the same AST', () => {
    fc.assert(
      fc.property(ast.filter(positive), (a) => {
        expect(stripPositions(parseQuery(printQuery(a)))).toEqual(stripPositions(a));
      }),
      { numRuns: 500 },
    );
  });

  it('printing any accepted query gives one that matches the same documents', () => {
    const noisy = fc
      .array(
        fc.constantFrom(
          'acme',
          '"acme phone"',
          'AND',
          'OR',
          'NOT',
          '-',
          '(',
          ')',
          'NEAR/2',
          'refund*',
          '#acme',
          '艾克米',
          'site:example.com',
          'title:acme',
          ' ',
        ),
        { maxLength: 12 },
      )
      .map((p) => p.join(' '));
    fc.assert(
      fc.property(noisy, doc, (q, d) => {
        let a: QueryNode;
        try {
          a = parseQuery(q);
        } catch {
          return;
        }
        const p = prepareDoc(d);
        expect(m(printQuery(a), p)).toBe(m(q, p));
      }),
      { numRuns: 500 },
    );
  });
});

describe('Boolean algebra', () => {
  it('a OR b matches iff a or b matches; a AND b iff both', () => {
    fc.assert(
      fc.property(query, query, doc, (a, b, d) => {
        const p = prepareDoc(d);
        expect(m(`(${a}) OR (${b})`, p)).toBe(m(a, p) || m(b, p));
        expect(m(`(${a}) AND (${b})`, p)).toBe(m(a, p) && m(b, p));
        expect(m(`(${a}) (${b})`, p)).toBe(m(a, p) && m(b, p));
      }),
      { numRuns: 400 },
    );
  });

  it('NOT complements: a AND NOT b iff a and not b; -b is NOT b', () => {
    fc.assert(
      fc.property(query, query, doc, (a, b, d) => {
        const p = prepareDoc(d);
        expect(m(`(${a}) AND NOT (${b})`, p)).toBe(m(a, p) && !m(b, p));
        expect(m(`(${a}) -(${b})`, p)).toBe(m(a, p) && !m(b, p));
        expect(m(`(${a}) NOT NOT (${b})`, p)).toBe(m(a, p) && m(b, p));
      }),
      { numRuns: 400 },
    );
  });

  it('De Morgan', () => {
    fc.assert(
      fc.property(query, query, query, doc, (x, a, b, d) => {
        const p = prepareDoc(d);
        expect(m(`(${x}) AND NOT ((${a}) OR (${b}))`, p)).toBe(m(`(${x}) AND NOT (${a}) AND NOT (${b})`, p));
        expect(m(`(${x}) AND NOT ((${a}) AND (${b}))`, p)).toBe(
          m(`(${x}) AND (NOT (${a}) OR NOT (${b}))`, p),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('NEAR', () => {
  const operand = nearOperand.map(printQuery);
  it('unordered NEAR is symmetric, implies AND, is the union of both orders, and grows with n', () => {
    fc.assert(
      fc.property(operand, operand, fc.integer({ min: 0, max: 5 }), doc, (a, b, n, d) => {
        const p = prepareDoc(d);
        const near = m(`${a} NEAR/${n} ${b}`, p);
        expect(m(`${b} NEAR/${n} ${a}`, p)).toBe(near);
        if (near) expect(m(`${a} AND ${b}`, p)).toBe(true);
        expect(m(`(${a} NEAR/${n}f ${b}) OR (${b} NEAR/${n}f ${a})`, p)).toBe(near);
        if (near) expect(m(`${a} NEAR/${n + 1} ${b}`, p)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('agrees with a token-level reference on latin words', () => {
    const latin = fc.constantFrom('acme', 'refund', 'scam', 'the', 'a');
    fc.assert(
      fc.property(
        fc.array(latin, { maxLength: 12 }),
        latin,
        latin,
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        (ws, a, b, n, ordered) => {
          const want = ws.some((x, i) =>
            ws.some(
              (y, j) => x === a && y === b && i !== j && (ordered ? j > i : true) && Math.abs(j - i) - 1 <= n,
            ),
          );
          expect(m(`${a} NEAR/${n}${ordered ? 'f' : ''} ${b}`, prepareDoc({ text: ws.join(' ') }))).toBe(
            want,
          );
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('robustness', () => {
  const anyUnits = fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    maxLength: 120,
  });
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    anyUnits,
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    docText,
  );

  it('prepareDoc and match never throw on arbitrary unicode documents', () => {
    const queries = [
      '("acme" OR "艾克米") AND NOT (job OR hiring)',
      '(acme OR #acme) NEAR/3 (refund* OR sc?m OR 退款)',
      '艾?米 NEAR/2f 手机 OR title:acme OR site:example.com OR author:acme OR url:a OR lang:zh OR platform:x',
    ].map(compileQuery);
    fc.assert(
      fc.property(anyText, anyText, anyText, (text, title, other) => {
        const p = prepareDoc({
          text,
          title,
          url: other,
          authorHandle: other,
          authorName: other,
          lang: other,
          platform: other,
        });
        for (const q of queries) q.match(p);
      }),
      { numRuns: 1000 },
    );
  });

  it('the parser throws nothing but QuerySyntaxError, on arbitrary and on query-like strings', () => {
    const tokens = fc.constantFrom(
      'acme',
      'AND',
      'OR',
      'NOT',
      'NEAR/3',
      'NEAR',
      'NEAR/2f',
      '-',
      '(',
      ')',
      '（',
      '"',
      '“',
      '*',
      '?',
      '#',
      '@',
      ':',
      'title:',
      'site:',
      'author:',
      'foo:',
      ' ',
      'ac*',
      '艾克米',
      '""',
    );
    const queryish = fc.array(tokens, { maxLength: 20 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(anyText, queryish), doc, (q, d) => {
        let compiled: ReturnType<typeof compileQuery> | undefined;
        try {
          compiled = compileQuery(q);
        } catch (e) {
          expect(e).toBeInstanceOf(QuerySyntaxError);
          const err = e as QuerySyntaxError;
          expect(err.position).toBeGreaterThanOrEqual(0);
          expect(err.position).toBeLessThanOrEqual(q.length);
        }
        compiled?.match(prepareDoc(d));
      }),
      { numRuns: 2000 },
    );
  });
});
