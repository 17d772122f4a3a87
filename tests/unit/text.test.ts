import { describe, expect, it } from 'vitest';
import { htmlToText, tokenize } from '../../src/text.ts';

describe('tokenize', () => {
  it('splits Latin words, hashtags, mentions and URLs, folded', () => {
    const toks = tokenize('LOVE #Acme from @Bob_1: https://x.com/a?b=1 ＡＣＭＥ');
    expect(toks.map((t) => [t.kind, t.t])).toEqual([
      ['word', 'love'],
      ['hashtag', '#acme'],
      ['word', 'from'],
      ['mention', '@bob_1'],
      ['url', 'https://x.com/a?b=1'],
      ['word', 'acme'],
    ]);
  });

  it('segments Chinese runs into words with offsets', () => {
    const toks = tokenize('我觉得外卖不好吃');
    expect(toks.every((t) => t.kind === 'cjk')).toBe(true);
    expect(toks.map((t) => t.t).join('')).toBe('我觉得外卖不好吃');
    expect(toks.map((t) => t.t)).toContain('外卖');
    const last = toks.at(-1)!;
    expect('我觉得外卖不好吃'.slice(last.start, last.start + last.t.length)).toBe(last.t);
  });
});

describe('htmlToText', () => {
  it('drops tags and scripts, decodes entities, keeps paragraph breaks', () => {
    expect(htmlToText('<p>Hello &amp; <b>bye</b></p><script>alert(1)</script><p>x&#39;s &#x4e2d;</p>')).toBe(
      "Hello & bye\nx's 中",
    );
  });
});
