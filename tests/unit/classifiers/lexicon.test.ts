import { describe, expect, it } from 'vitest';
import { compileLexicon, isNegated } from '../../../classifiers/_lib/lexicon.ts';
import { foldText } from '../../../src/text.ts';

const lex = compileLexicon(
  [
    'app',
    'data breach',
    'recall*',
    '#boycott*',
    'e. coli',
    "don't buy",
    '召回',
    '食物中毒',
    '中毒',
    'qq群',
    '315',
  ].map((term) => ({
    term,
    meta: term,
  })),
);
const terms = (s: string) => lex.match(foldText(s)).map((h) => h.term);

describe('lexicon matching', () => {
  it('matches whole words only, across full-width and case', () => {
    expect(terms('The APP crashed')).toEqual(['app']);
    expect(terms('ＡＰＰ')).toEqual(['app']);
    expect(terms('I appreciate it, happy')).toEqual([]);
  });

  it('matches phrases across small gaps, and wildcard endings', () => {
    expect(terms('a data  breach')).toEqual(['data breach']);
    expect(terms('data-breach')).toEqual(['data breach']);
    expect(terms('data, then breach')).toEqual([]);
    expect(terms('E.coli found; recalled!')).toEqual(['e. coli', 'recall*']);
    expect(terms('#BoycottAcme')).toEqual(['#boycott*']);
    expect(terms('Don’t buy this')).toEqual(["don't buy"]);
  });

  it('matches CJK terms as substrings, longest first, and treats CJK as a word boundary', () => {
    expect(terms('昨天食物中毒了')).toEqual(['食物中毒']);
    expect(terms('艾克米召回水壶，有人中毒')).toEqual(['召回', '中毒']);
    expect(terms('加QQ群领取')).toEqual(['qq群']);
    expect(terms('315晚会')).toEqual(['315']);
    expect(terms('12315')).toEqual([]);
    expect(terms('Acme的app')).toEqual(['app']);
  });

  it('reports offsets in the folded text', () => {
    const [h] = lex.match(foldText('Acme 召回 kettles'));
    expect(h).toMatchObject({ term: '召回', index: 5, end: 7 });
  });
});

describe('negation window', () => {
  it.each([
    ['there was no recall', 'recall', true],
    ["it's not a scam", 'scam', true],
    ['this is a scam', 'scam', false],
    ['no problem with delivery, but a recall', 'recall', false],
    ['没有中毒', '中毒', true],
    ['并未召回', '召回', true],
    ['无良商家欺诈', '欺诈', false],
    ['别买，中毒了', '中毒', false],
  ])('%s', (text, term, negated) => {
    const folded = foldText(text);
    expect(isNegated(folded, folded.indexOf(term))).toBe(negated);
  });
});
