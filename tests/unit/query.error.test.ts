import { describe, expect, it } from 'vitest';
import { QuerySyntaxError } from '../../src/errors.ts';
import { MAX_DEPTH, MAX_QUERY_LENGTH, parseQuery, validateQuery } from '../../src/query/index.ts';

function rejected(q: string): { message: string; position: number; token: string } {
  const r = validateQuery(q);
  if (r.ok) throw new Error(`expected ${JSON.stringify(q)} to be rejected`);
  return r;
}

describe('malformed queries name the position and the token at fault', () => {
  it.each([
    // [query, position, token, message fragment]
    ['', 0, '', 'empty'],
    ['   ', 0, '', 'empty'],
    ['(acme OR globex', 0, '(', 'never closed'],
    ['acme (globex OR (x)', 5, '(', 'never closed'],
    ['acme) OR x', 4, ')', 'no matching ('],
    ['acme AND', 5, 'AND', 'after it'],
    ['acme OR', 5, 'OR', 'after it'],
    ['acme NOT', 5, 'NOT', 'after it'],
    ['acme -', 5, '-', 'lone'],
    ['AND acme', 0, 'AND', 'before it'],
    ['acme OR AND globex', 8, 'AND', 'between them'],
    ['(OR acme)', 1, 'OR', 'before it'],
    ['(acme OR)', 6, 'OR', 'after it'],
    ['acme ()', 5, '()', 'empty parentheses'],
    ['acme ""', 5, '""', 'empty quotes'],
    ['acme "  "', 5, '"  "', 'empty quotes'],
    ['acme "open', 5, '"open', 'never closed'],
    ['acme "!!!"', 5, '"!!!"', 'no letters or digits'],
    ['acme !!!', 5, '!!!', 'no letters or digits'],
    ['ac*', 0, 'ac*', 'at least 3 letters'],
    ['acme re*', 5, 're*', 'at least 3 letters'],
    ['ac*me', 2, 'ac*me', 'end of a word'],
    ['?cme', 0, '?cme', 'cannot start'],
    ['ac-me*', 0, 'ac-me*', 'punctuation'],
    ['acme艾*', 0, 'acme艾*', 'all Chinese'],
    ['#acme*', 0, '#acme*', 'hashtags'],
    ['#', 0, '#', 'needs a name'],
    ['#ac-me', 0, '#ac-me', 'letters, digits and _'],
    ['acme NEAR globex', 5, 'NEAR', 'distance'],
    ['acme NEAR/ globex', 5, 'NEAR/', 'distance'],
    ['acme NEAR/x globex', 5, 'NEAR/x', 'distance'],
    ['acme NEAR/500 globex', 5, 'NEAR/500', 'at most 100'],
    ['acme near/3 globex', 5, 'near/3', 'capitals'],
    ['acme NEAR/3', 5, 'NEAR/3', 'after it'],
    ['NEAR/3 acme', 0, 'NEAR/3', 'before it'],
    ['(a AND b) NEAR/3 c', 1, 'a', 'NEAR works between'],
    ['a NEAR/3 -b', 9, '-', 'NEAR works between'],
    ['a NEAR/3 site:x.com', 9, 'site:x.com', 'NEAR works between'],
    ['acme NEAR/3 OR x', 12, 'OR', 'between them'],
    ['a NEAR/3 b NEAR/2 c', 11, 'NEAR/2', 'chained'],
    ['foo:bar', 0, 'foo:bar', 'unknown field'],
    ['acme http://x.com', 5, 'http://x.com', 'unknown field'],
    ['author: acme', 0, 'author:', 'needs a value'],
    ['site:"not a host"', 5, 'site:"not a host"', 'web address'],
    ['lang:english', 5, 'lang:english', 'language code'],
    ['site:(a.com NEAR/2 b.com)', 12, 'NEAR/2', 'inside site:'],
    ['title:(author:x)', 7, 'author:x', 'inside another field'],
    ['NOT acme', 0, 'NOT acme', 'positive term'],
    ['-acme -job', 0, '-acme -job', 'positive term'],
    ['-(acme OR job)', 0, '-(acme OR job)', 'positive term'],
    ['acme OR -job', 8, '-', 'each side of OR'],
    ['(a OR -b) AND (c OR -d)', 6, '-', 'each side of OR'],
  ])('%j', (q, position, token, fragment) => {
    const r = rejected(q);
    expect(r.position).toBe(position);
    expect(r.token).toBe(token);
    expect(r.message).toContain(fragment);
    expect(r.message).toContain(`at position ${position}`);
  });

  it('parseQuery throws a QuerySyntaxError carrying the same details', () => {
    try {
      parseQuery('acme AND');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(QuerySyntaxError);
      expect(e).toMatchObject({ code: 'QUERY_SYNTAX', position: 5, token: 'AND' });
    }
  });

  it('accepts queries that only look odd', () => {
    for (const q of [
      'a NOT b',
      'acme -(job -globex)',
      'acme (x OR NOT y)',
      'NEARBY',
      'x-ray',
      '10:30',
      'acme AND (b OR c) NEAR/2 d',
      'a NEAR/0 b',
    ]) {
      expect(validateQuery(q), q).toEqual({ ok: true });
    }
  });
});

describe('limits', () => {
  it(`rejects queries longer than ${MAX_QUERY_LENGTH} characters, at the limit`, () => {
    expect(validateQuery('a'.repeat(MAX_QUERY_LENGTH))).toEqual({ ok: true });
    const r = rejected(`${'acme '.repeat(900)}`);
    expect(r.position).toBe(MAX_QUERY_LENGTH);
    expect(r.message).toContain('limit');
  });

  it(`rejects nesting deeper than ${MAX_DEPTH}`, () => {
    const ok = `${'('.repeat(MAX_DEPTH)}a${')'.repeat(MAX_DEPTH)}`;
    expect(validateQuery(ok)).toEqual({ ok: true });
    const deep = `${'('.repeat(MAX_DEPTH + 1)}a${')'.repeat(MAX_DEPTH + 1)}`;
    expect(rejected(deep)).toMatchObject({ position: MAX_DEPTH, token: '(' });
    expect(rejected(`a ${'-'.repeat(40)}b`).message).toContain('nests deeper');
    expect(rejected(`a ${'NOT '.repeat(40)}b`).message).toContain('nests deeper');
  });
});
