import { describe, expect, it } from 'vitest';
import {
  compileQuery,
  type MatchDoc,
  parseQuery,
  prepareDoc,
  printQuery,
  stripPositions,
} from '../../src/query/index.ts';

function matches(query: string, doc: string | MatchDoc): boolean {
  return compileQuery(query).match(prepareDoc(typeof doc === 'string' ? { text: doc } : doc));
}

/** The texts (of `texts`) a query matches. */
function which(query: string, texts: string[]): string[] {
  const q = compileQuery(query);
  return texts.filter((t) => q.match(prepareDoc({ text: t })));
}

describe('terms', () => {
  it('match whole tokens, case- and width-insensitively', () => {
    expect(matches('acme', 'I love ACME phones')).toBe(true);
    expect(matches('acme', 'I love ＡＣＭＥ phones')).toBe(true);
    expect(matches('ＡＣＭＥ', 'acme')).toBe(true);
    expect(matches('acme', 'welcome to Acmeville')).toBe(false);
    expect(matches('acme', 'notacme')).toBe(false);
  });

  it('split at punctuation: possessives, domains, hyphens', () => {
    expect(matches('acme', "Acme's new phone")).toBe(true);
    expect(matches('acme', 'see acme.com')).toBe(true);
    expect(matches('acme', 'the acme-branded case')).toBe(true);
    expect(matches('acme', 'mail support@acme.com')).toBe(true);
  });

  it('a term with inner punctuation matches the same tokens in a row', () => {
    expect(matches('e-mail', 'send an E-Mail')).toBe(true);
    expect(matches('e-mail', 'send an e mail')).toBe(true);
    expect(matches('e-mail', 'send an email')).toBe(false);
    expect(matches("acme's", "acme's phone")).toBe(true);
  });

  it('lower-case and/or/not are ordinary words', () => {
    expect(matches('rock and roll', 'rock and roll')).toBe(true);
    expect(matches('rock and roll', 'rock roll')).toBe(false);
    expect(matches('not', 'not today')).toBe(true);
    expect(stripPositions(parseQuery('a or b'))).toEqual(stripPositions(parseQuery('a AND or AND b')));
  });

  it('an upper-case word that is not an operator is a term', () => {
    expect(matches('NEARBY', 'a nearby shop')).toBe(true);
    expect(matches('ANDROID', 'my android phone')).toBe(true);
  });
});

describe('phrases', () => {
  it('match consecutive tokens, ignoring punctuation between them', () => {
    expect(matches('"acme phone"', 'the Acme phone is great')).toBe(true);
    expect(matches('"acme phone"', 'the Acme, phone is great')).toBe(true);
    expect(matches('"acme phone"', 'the phone from acme')).toBe(false);
    expect(matches('"acme phone"', 'the acme smart phone')).toBe(false);
  });

  it('accept curly and full-width quotes', () => {
    expect(matches('“acme phone”', 'acme phone')).toBe(true);
    expect(matches('＂acme phone＂', 'acme phone')).toBe(true);
  });

  it('a single quoted word matches like the bare word (hashtags included)', () => {
    expect(matches('"acme"', 'love #acme')).toBe(true);
    expect(matches('"acme"', 'acmeville')).toBe(false);
  });

  it('do not span from the title into the text', () => {
    expect(matches('"news acme"', { title: 'Big news', text: 'Acme launches' })).toBe(false);
    expect(matches('"big news"', { title: 'Big news', text: 'Acme launches' })).toBe(true);
  });
});

describe('Boolean operators and precedence', () => {
  const texts = ['acme', 'globex', 'acme globex', 'acme job', 'globex job', 'job'];

  it('AND, OR, NOT and adjacency', () => {
    expect(which('acme AND globex', texts)).toEqual(['acme globex']);
    expect(which('acme globex', texts)).toEqual(['acme globex']);
    expect(which('acme OR globex', texts)).toEqual([
      'acme',
      'globex',
      'acme globex',
      'acme job',
      'globex job',
    ]);
    expect(which('acme AND NOT job', texts)).toEqual(['acme', 'acme globex']);
    expect(which('acme NOT job', texts)).toEqual(['acme', 'acme globex']);
    expect(which('acme -job', texts)).toEqual(['acme', 'acme globex']);
  });

  it('-"phrase" and -(group) exclude', () => {
    expect(matches('acme -"job offer"', 'acme job')).toBe(true);
    expect(matches('acme -"job offer"', 'acme job offer')).toBe(false);
    expect(matches('acme -(job OR hiring)', 'acme is hiring')).toBe(false);
    expect(matches('acme -(job OR hiring)', 'acme rocks')).toBe(true);
  });

  it('a hyphen inside a word is not a NOT', () => {
    expect(matches('acme e-mail', 'acme e-mail')).toBe(true);
    expect(stripPositions(parseQuery('x-ray'))).toEqual({ type: 'term', value: 'x-ray', scope: 'any' });
  });

  it('NOT binds tighter than AND, AND tighter than OR', () => {
    expect(printQuery(parseQuery('a OR b AND c'))).toBe('(a OR (b AND c))');
    expect(printQuery(parseQuery('a b OR c'))).toBe('((a AND b) OR c)');
    expect(printQuery(parseQuery('NOT a b'))).toBe('(NOT a AND b)');
    expect(printQuery(parseQuery('a AND NOT b OR c'))).toBe('((a AND NOT b) OR c)');
    expect(which('globex OR acme AND job', texts)).toEqual([
      'globex',
      'acme globex',
      'acme job',
      'globex job',
    ]);
    expect(which('(globex OR acme) AND job', texts)).toEqual(['acme job', 'globex job']);
  });

  it('NEAR binds tighter than AND', () => {
    expect(printQuery(parseQuery('a NEAR/2 b c'))).toBe('((a NEAR/2 b) AND c)');
    expect(printQuery(parseQuery('-x a NEAR/2 b'))).toBe('(NOT x AND (a NEAR/2 b))');
  });

  it('the example from the brief', () => {
    const q = '("acme" OR "艾克米") AND NOT (job OR hiring)';
    expect(matches(q, '我买了艾克米的手机')).toBe(true);
    expect(matches(q, 'Acme is great')).toBe(true);
    expect(matches(q, 'Acme is hiring')).toBe(false);
    expect(matches(q, 'Globex is great')).toBe(false);
  });

  it('full-width parentheses group too', () => {
    expect(matches('（acme OR globex） -job', 'globex')).toBe(true);
  });
});

describe('hashtags and mentions', () => {
  it('#tag matches the hashtag only; a bare term also matches the hashtag', () => {
    expect(matches('#acme', 'love #Acme')).toBe(true);
    expect(matches('#acme', 'love acme')).toBe(false);
    expect(matches('acme', 'love #acme')).toBe(true);
    expect(matches('#acme', 'love #acmefail')).toBe(false);
    expect(matches('#acme', 'c#acme')).toBe(false);
    expect(matches('#acme', 'love ＃ａｃｍｅ')).toBe(true);
  });

  it('@mention matches the mention only, dotted handles included; e-mail addresses are not mentions', () => {
    expect(matches('@acme', 'thanks @Acme!')).toBe(true);
    expect(matches('@acme', 'write to help@acme')).toBe(false);
    expect(matches('@acme', 'thanks acme')).toBe(false);
    expect(matches('acme', 'thanks @acme')).toBe(true);
    expect(matches('@acme.support', 'cc @acme.support please')).toBe(true);
    expect(matches('@acme', 'cc @acme.support please')).toBe(false);
    expect(matches('support', 'cc @acme.support please')).toBe(true);
  });

  it('Chinese hashtags, Weibo style', () => {
    expect(matches('#艾克米', '#艾克米# 新品发布')).toBe(true);
    expect(matches('"艾克米"', '#艾克米手机# 新品发布')).toBe(true);
    expect(matches('#艾克米', '#艾克米手机# 新品发布')).toBe(false);
  });
});

describe('wildcards', () => {
  it('stem* matches tokens starting with the stem', () => {
    const texts = ['refund', 'refunds', 'refunded', 'nonrefundable', 'ref'];
    expect(which('refund*', texts)).toEqual(['refund', 'refunds', 'refunded']);
    expect(matches('acme*', 'love #AcmeFail')).toBe(true);
  });

  it('? stands for exactly one character', () => {
    const texts = ['colour', 'color', 'colouur', 'colours'];
    expect(which('colo?r', texts)).toEqual(['colour']);
    expect(which('colo?r*', texts)).toEqual(['colour', 'colours']);
    expect(which('co?o?r', texts)).toEqual(['colour']);
  });

  it('in Chinese, * adds nothing and ? is one character', () => {
    expect(matches('艾克*', '艾克米手机')).toBe(true);
    expect(matches('艾?米', '买了艾克米')).toBe(true);
    expect(matches('艾?米', '买了艾米')).toBe(false);
  });

  it('in a title scope', () => {
    expect(matches('title:refund*', { title: 'Refunds at Acme', text: 'x' })).toBe(true);
    expect(matches('title:refund*', { title: 'Acme', text: 'refunds' })).toBe(false);
    expect(matches('title:colo?r', { title: 'Colour', text: 'x' })).toBe(true);
    expect(matches('title:colo?r', { title: 'x', text: 'colour' })).toBe(false);
  });
});

describe('NEAR', () => {
  it('unordered: at most n tokens between the two', () => {
    expect(matches('acme NEAR/3 refund', 'acme would not give a refund')).toBe(false);
    expect(matches('acme NEAR/4 refund', 'acme would not give a refund')).toBe(true);
    expect(matches('acme NEAR/3 refund', 'refund? acme said no')).toBe(true);
    expect(matches('acme NEAR/0 refund', 'acme refund')).toBe(true);
    expect(matches('acme NEAR/0 refund', 'acme, the refund')).toBe(false);
  });

  it('ordered with f: the left operand comes first', () => {
    expect(matches('acme NEAR/3f refund', 'acme gave a refund')).toBe(true);
    expect(matches('acme NEAR/3f refund', 'refund from acme')).toBe(false);
    expect(matches('refund NEAR/3f acme', 'refund from acme')).toBe(true);
  });

  it('phrases count from their last token; OR groups on either side', () => {
    expect(matches('"acme corp" NEAR/1 refund', 'acme corp no refund')).toBe(true);
    expect(matches('(acme OR globex) NEAR/5 (refund OR scam)', 'globex is a total scam')).toBe(true);
    expect(matches('(acme OR globex) NEAR/2 (refund OR scam)', 'globex is really a total scam')).toBe(false);
    expect(matches('(acme OR #globex) NEAR/2 (refund* OR sc?m)', '#globex refunds')).toBe(true);
  });

  it('uses any pair of occurrences', () => {
    const text = `acme ${'filler '.repeat(20)} refund acme`;
    expect(matches('acme NEAR/1f refund', text)).toBe(false);
    expect(matches('refund NEAR/1f acme', text)).toBe(true);
    expect(matches('acme NEAR/1 refund', text)).toBe(true);
  });

  it('one occurrence is not near itself', () => {
    expect(matches('acme NEAR/3 acme', 'acme')).toBe(false);
    expect(matches('acme NEAR/3 acme', 'acme and acme')).toBe(true);
    expect(matches('acme NEAR/3 "acme corp"', 'acme corp')).toBe(false);
  });

  it('Chinese: counts jieba tokens from where each substring match starts', () => {
    // jieba: 我 买 了 艾克米 的 手机 ...
    expect(matches('艾克米 NEAR/1 手机', '我买了艾克米的手机')).toBe(true);
    expect(matches('艾克米 NEAR/0 手机', '我买了艾克米的手机')).toBe(false);
    expect(matches('艾克米 NEAR/1f 手机', '我买了艾克米的手机')).toBe(true);
    expect(matches('手机 NEAR/1f 艾克米', '我买了艾克米的手机')).toBe(false);
    expect(matches('"艾克米" NEAR/3 (退款 OR 投诉)', '艾克米手机申请退款')).toBe(true);
    expect(
      matches('"艾克米" NEAR/3 (退款 OR 投诉)', '艾克米的手机很好，我朋友上个月在另一家店申请了退款'),
    ).toBe(false);
  });

  it('Chinese: substrings inside one jieba token are still near (distance 0)', () => {
    expect(matches('艾克 NEAR/0f 米', '艾克米')).toBe(true);
    expect(matches('米 NEAR/0f 艾克', '艾克米')).toBe(false);
  });

  it('mixed scripts', () => {
    expect(matches('"acme" NEAR/5 "退款"', 'Acme手机申请退款')).toBe(true);
    expect(matches('"acme" NEAR/5 "退款"', 'Acme 的手机 我 昨天 去 商店 买 的 ， 然后 退款')).toBe(false);
    expect(matches('acme NEAR/2f 手机', '我的acme手机')).toBe(true);
  });

  it('title and text are never near each other', () => {
    expect(matches('acme NEAR/5 refund', { title: 'Acme', text: 'refund' })).toBe(false);
    expect(matches('acme NEAR/5 refund', { title: 'Acme refund', text: 'x' })).toBe(true);
    expect(matches('title:acme NEAR/5 refund', { title: 'x', text: 'acme refund' })).toBe(false);
  });
});

describe('Chinese and Japanese', () => {
  it('a CJK term matches as a substring of a CJK run, however jieba segments it', () => {
    expect(matches('"艾克米"', '我买了艾克米的手机')).toBe(true);
    expect(matches('艾克米', '我买了艾克米的手机')).toBe(true);
    expect(matches('克米的', '我买了艾克米的手机')).toBe(true);
    expect(matches('艾克米', '艾克，米')).toBe(false);
  });

  it('full-width forms fold', () => {
    expect(matches('acme', 'ＡＣＭＥ手机')).toBe(true);
    expect(matches('"acme手机"', 'ACME 手机')).toBe(true);
    expect(matches('"acme 手机"', 'ACME手机')).toBe(true);
  });

  it('a latin word next to CJK is still a whole word', () => {
    expect(matches('acme', '我爱acme')).toBe(true);
    expect(matches('acme', '我爱acmex')).toBe(false);
  });

  it('Japanese with the prolonged sound mark, Korean with particles', () => {
    expect(matches('コーヒー', 'アクメのコーヒーが好き')).toBe(true);
    expect(matches('아크미', '아크미는 좋아요')).toBe(true);
  });
});

describe('fields', () => {
  const doc: MatchDoc = {
    text: 'text body',
    title: 'Acme Weekly',
    authorHandle: '@Acme_Official',
    authorName: 'Acme Support Team',
    url: 'https://news.example.com/blog/Acme-Review?x=1',
    lang: 'zh-CN',
    platform: 'Reddit',
  };

  it('author: the handle exactly (@ optional), or words in a row of the display name', () => {
    expect(matches('author:acme_official', doc)).toBe(true);
    expect(matches('author:@ACME_OFFICIAL', doc)).toBe(true);
    expect(matches('author:acme_off', doc)).toBe(false);
    expect(matches('author:"acme support team"', doc)).toBe(true);
    expect(matches('author:"support team"', doc)).toBe(true);
    expect(matches('author:"team support"', doc)).toBe(false);
    expect(matches('author:sup', doc)).toBe(false);
    expect(matches('author:acme', { text: 'x', authorHandle: 'acme' })).toBe(true);
    expect(matches('author:acme', { text: 'x', authorHandle: 'acmefan', authorName: 'Acmeville' })).toBe(
      false,
    );
  });

  it('site: host and its subdomains', () => {
    expect(matches('site:example.com', doc)).toBe(true);
    expect(matches('site:news.example.com', doc)).toBe(true);
    expect(matches('site:https://www.example.com/path', doc)).toBe(true);
    expect(matches('site:ample.com', doc)).toBe(false);
    expect(matches('site:other.example.com', doc)).toBe(false);
    expect(matches('site:example.com', { text: 'x', url: 'https://www.example.com/' })).toBe(true);
    expect(matches('site:example.com', { text: 'x' })).toBe(false);
  });

  it('url: substring, case-insensitive', () => {
    expect(matches('url:acme-review', doc)).toBe(true);
    expect(matches('url:"example.com/blog"', doc)).toBe(true);
    expect(matches('url:other', doc)).toBe(false);
  });

  it('lang: code and its regional variants', () => {
    expect(matches('lang:zh', doc)).toBe(true);
    expect(matches('lang:zh-cn', doc)).toBe(true);
    expect(matches('lang:zh_CN', doc)).toBe(true);
    expect(matches('lang:zh-tw', doc)).toBe(false);
    expect(matches('lang:en', { text: 'x' })).toBe(false);
  });

  it('platform: exact name, case-insensitive', () => {
    expect(matches('platform:reddit', doc)).toBe(true);
    expect(matches('platform:red', doc)).toBe(false);
  });

  it('title: searches the title only; plain terms search title and text', () => {
    expect(matches('title:acme', doc)).toBe(true);
    expect(matches('title:body', doc)).toBe(false);
    expect(matches('body', doc)).toBe(true);
    expect(matches('weekly', doc)).toBe(true);
    expect(matches('title:"acme weekly"', doc)).toBe(true);
    expect(matches('title:(weekly OR monthly)', doc)).toBe(true);
    expect(matches('title:#acme', { title: '#acme news', text: 'x' })).toBe(true);
    expect(matches('title:#acme', { title: 'news', text: '#acme' })).toBe(false);
  });

  it('a field takes a parenthesised group of values', () => {
    expect(matches('site:(foo.com OR example.com)', doc)).toBe(true);
    expect(matches('platform:(twitter OR weibo)', doc)).toBe(false);
    expect(matches('acme -site:(example.com)', doc)).toBe(false);
  });

  it('fields combine with text', () => {
    expect(matches('acme lang:zh -platform:twitter', doc)).toBe(true);
  });
});

describe('positiveTerms', () => {
  it('lists text operands not under NOT, as surface forms', () => {
    const q = compileQuery(
      '("acme" OR "艾克米" OR #acmefans) NEAR/3 refund* -(job OR hiring) site:x.com colo?r title:"acme weekly"',
    );
    expect(q.positiveTerms()).toEqual(['acme', '艾克米', 'acmefans', 'refund', 'acme weekly']);
  });

  it('a double negation is positive', () => {
    expect(compileQuery('acme -(job -globex)').positiveTerms()).toEqual(['acme', 'globex']);
  });
});

describe('printQuery', () => {
  it('prints every node type so that it parses back the same', () => {
    for (const q of [
      'acme',
      '"acme phone"',
      'refund* colo?r',
      '#acme @acme.support',
      'author:"Acme Team" site:example.com url:"a/b" lang:zh platform:reddit',
      'title:acme title:"a b" title:#x',
      '(a OR b) NEAR/3f "c d"',
      'a -b -(c OR d)',
      '"near/3"',
    ]) {
      const ast = parseQuery(q);
      expect(stripPositions(parseQuery(printQuery(ast))), q).toEqual(stripPositions(ast));
    }
  });
});
