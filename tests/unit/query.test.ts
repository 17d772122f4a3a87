import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuerySyntaxError } from '../../src/errors.ts';
import {
  compileQuery,
  type MatchDoc,
  parseQuery,
  prepareDoc,
  printQuery,
  validateQuery,
} from '../../src/query/index.ts';

const m = (q: string, doc: MatchDoc | string) =>
  compileQuery(q).match(prepareDoc(typeof doc === 'string' ? { text: doc } : doc));

describe('terms, phrases and operators', () => {
  it('matches whole words, case- and width-insensitively', () => {
    expect(m('acme', 'I love ACME')).toBe(true);
    expect(m('acme', 'I love ＡＣＭＥ')).toBe(true);
    expect(m('acme', 'acmeville is a town')).toBe(false);
    expect(m('acme', "Acme's new kettle")).toBe(true); // possessives count
    expect(m('"acme"', 'acme’s new kettle')).toBe(true);
  });

  it('phrases match consecutive words across punctuation and spacing', () => {
    expect(m('"customer service"', 'their customer\n service, sadly')).toBe(true);
    expect(m('"customer service"', 'service for the customer')).toBe(false);
  });

  it('precedence: NOT > AND > OR; adjacent terms mean AND', () => {
    expect(m('a OR b AND c', 'a')).toBe(true); // a OR (b AND c)
    expect(m('a OR b AND c', 'b')).toBe(false);
    expect(m('(a OR b) AND c', 'b c')).toBe(true);
    expect(m('acme kettle', 'acme toaster')).toBe(false);
    expect(m('acme kettle', 'kettle by acme')).toBe(true);
    expect(m('acme NOT kettle', 'acme kettle')).toBe(false);
    expect(m('acme -kettle', 'acme toaster')).toBe(true);
    expect(m('acme -"tea kettle"', 'acme tea kettle')).toBe(false);
    expect(m('acme AND NOT (job OR hiring)', 'acme hiring now')).toBe(false);
  });

  it('lower-case and/or/not are ordinary words', () => {
    expect(m('"salt and pepper"', 'salt and pepper')).toBe(true);
    expect(m('rock and roll', 'rock roll')).toBe(false);
  });

  it('suffix wildcard with a minimum stem of 3', () => {
    expect(m('refund*', 'refunds please')).toBe(true);
    expect(m('refund*', 'refun')).toBe(false);
    expect(validateQuery('re*')).toMatchObject({ ok: false, position: 0, token: 're*' });
  });

  it('hashtags and mentions', () => {
    expect(m('#acme', 'love #Acme today')).toBe(true);
    expect(m('#acme', 'love acme today')).toBe(false);
    expect(m('@acme', 'hey @ACME help')).toBe(true);
    expect(m('acme', 'hey @acme help')).toBe(true); // a bare term also matches the tag
  });
});

describe('proximity', () => {
  it('NEAR/n allows at most n words between, in any order', () => {
    expect(m('acme NEAR/3 refund', 'acme never gave my refund')).toBe(true);
    expect(m('acme NEAR/2 refund', 'acme never gave my refund')).toBe(false);
    expect(m('acme NEAR/3 refund', 'refund from acme')).toBe(true);
  });

  it('NEAR/nf requires the order', () => {
    expect(m('acme NEAR/3f refund', 'refund from acme')).toBe(false);
    expect(m('acme NEAR/3f refund', 'acme gave a refund')).toBe(true);
  });

  it('works with OR groups and phrases, and on Chinese counted in segmenter tokens', () => {
    expect(m('(acme OR globex) NEAR/4 (refund OR scam)', 'globex is a total scam')).toBe(true);
    expect(m('"艾克米" NEAR/3 退款', '艾克米拒绝退款了')).toBe(true);
    expect(m('"艾克米" NEAR/1 退款', '艾克米的客服说下个月以后再考虑退款')).toBe(false);
    expect(m('"acme" NEAR/5 "退款"', 'acme 不给退款')).toBe(true);
  });

  it('rejects NEAR between complex expressions', () => {
    expect(validateQuery('(a AND b) NEAR/3 c').ok).toBe(false);
  });
});

describe('Chinese without spaces', () => {
  it('matches a CJK term inside a run of characters, however jieba segments it', () => {
    expect(m('"艾克米"', '我买了艾克米的手机')).toBe(true);
    expect(m('艾克米', '艾克米手机不错')).toBe(true);
    expect(m('手机 AND NOT 电脑', '艾克米手机不错')).toBe(true);
    expect(m('"克米的"', '我买了艾克米的手机')).toBe(true);
    expect(m('("acme" OR "艾克米") AND NOT (招聘)', '艾克米招聘工程师')).toBe(false);
  });
});

describe('fields', () => {
  const doc: MatchDoc = {
    text: 'kettle broke',
    title: 'Acme Kettle Review',
    authorHandle: '@Acme_Support',
    authorName: 'Acme Support Team',
    url: 'https://news.example.com/tech/acme?x=1',
    lang: 'zh-CN',
    platform: 'weibo',
  };
  it('author, site, url, lang, platform, title', () => {
    expect(m('author:acme_support', doc)).toBe(true);
    expect(m('author:"support team"', doc)).toBe(true);
    expect(m('site:example.com', doc)).toBe(true);
    expect(m('site:other.com', doc)).toBe(false);
    expect(m('url:tech/acme', doc)).toBe(true);
    expect(m('lang:zh', doc)).toBe(true);
    expect(m('lang:en', doc)).toBe(false);
    expect(m('platform:weibo AND kettle', doc)).toBe(true);
    expect(m('title:review', doc)).toBe(true);
    expect(m('title:broke', doc)).toBe(false);
    expect(m('title:"kettle review"', doc)).toBe(true);
  });
});

describe('errors name the position and the token', () => {
  it.each([
    ['', 0, ''],
    ['(acme OR globex', 0, '('],
    ['acme)', 4, ')'],
    ['acme AND', 5, 'AND'],
    ['OR acme', 0, 'OR'],
    ['acme ""', 5, '""'],
    ['acme "open', 5, '"open'],
    ['acme NEAR globex', 5, 'NEAR'],
    ['foo:bar', 0, 'foo:bar'],
    ['NOT acme', 0, 'NOT acme'],
    ['acme ab*', 5, 'ab*'],
  ])('%j', (q, position, token) => {
    const r = validateQuery(q);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.position).toBe(position);
      expect(r.token).toBe(token);
      expect(r.message).toMatch(new RegExp(`at position ${position}`));
    }
  });

  it('limits length and depth', () => {
    expect(validateQuery('a '.repeat(3000)).ok).toBe(false);
    expect(validateQuery(`${'('.repeat(40)}a${')'.repeat(40)}`).ok).toBe(false);
  });
});

describe('properties', () => {
  const word = fc.constantFrom('acme', 'globex', 'refund', 'kettle', 'scam', '艾克米', '退款', 'love');
  const leaf = fc.oneof(
    word,
    word.map((w) => `"${w}"`),
  );
  const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a} AND ${b})`),
      fc.tuple(tie('e'), tie('e')).map(([a, b]) => `(${a} OR ${b})`),
      fc.tuple(leaf, tie('e')).map(([a, b]) => `(${a} AND NOT ${b})`),
    ),
  })).e;
  const text = fc
    .array(
      fc.constantFrom(
        'acme',
        'globex',
        'refund',
        'kettle',
        'scam',
        '艾克米',
        '退款',
        'love',
        'the',
        'a',
        '很',
      ),
      { maxLength: 12 },
    )
    .map((ws) => ws.join(' '));

  it('printing a parsed query and parsing it again gives the same matches', () => {
    fc.assert(
      fc.property(expr, text, (q, t) => {
        const again = printQuery(parseQuery(q));
        expect(m(again, t)).toBe(m(q, t));
      }),
      { numRuns: 300 },
    );
  });

  it('OR is a union, AND an intersection, and De Morgan holds', () => {
    fc.assert(
      fc.property(expr, expr, text, (a, b, t) => {
        expect(m(`(${a}) OR (${b})`, t)).toBe(m(a, t) || m(b, t));
        expect(m(`(${a}) AND (${b})`, t)).toBe(m(a, t) && m(b, t));
        expect(m(`(${a}) AND NOT ((${b}) OR kettle)`, t)).toBe(m(`(${a}) AND NOT (${b}) AND NOT kettle`, t));
      }),
      { numRuns: 300 },
    );
  });

  it('the parser only ever throws QuerySyntaxError, and matching never throws', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 200 }), (q, t) => {
        let compiled: ReturnType<typeof compileQuery> | undefined;
        try {
          compiled = compileQuery(q);
        } catch (e) {
          expect(e).toBeInstanceOf(QuerySyntaxError);
        }
        if (compiled) compiled.match(prepareDoc({ text: t, title: t, url: t, authorHandle: t }));
      }),
      { numRuns: 1000 },
    );
  });

  it('positive terms leave out negated ones', () => {
    expect(compileQuery('("acme" OR "艾克米") AND NOT (job OR hiring)').positiveTerms()).toEqual([
      'acme',
      '艾克米',
    ]);
  });
});
