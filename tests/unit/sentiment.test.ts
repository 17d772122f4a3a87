import { describe, expect, it } from 'vitest';
import { brandSentiments, scoreSentiment, sentiment, sentimentOptions } from '../../classifiers/sentiment.ts';
import { sentimentEn } from '../../classifiers/sentiment-en.ts';
import { sentimentZh } from '../../classifiers/sentiment-zh.ts';
import type { BrandTarget, ClassifierInput } from '../../classifiers/types.ts';
import { silentLogger } from '../../src/log.ts';

const ctx = { log: silentLogger() };
const options = sentimentOptions.parse({});
const label = (text: string, lang?: string) => scoreSentiment(text, lang).label;

describe('English sentiment', () => {
  it.each([
    ['I love this phone, it is amazing!', 'positive'],
    ['This is the worst service ever. Totally useless.', 'negative'],
    ['The store opens at 9am on Monday.', 'neutral'],
  ])('%s → %s', (text, want) => {
    expect(label(text, 'en')).toBe(want);
  });

  it('negation flips polarity', () => {
    expect(label('The food was good', 'en')).toBe('positive');
    expect(label('The food was not good', 'en')).toBe('negative');
  });

  it('contrast: the clause after "but" decides', () => {
    expect(label('The screen is nice but the battery is terrible and it crashes', 'en')).toBe('negative');
    expect(sentimentEn('The screen is nice but the battery is terrible').score).toBeLessThan(
      sentimentEn('The screen is nice').score,
    );
  });

  it('emoji carry sentiment', () => {
    expect(label('new phone 😍😍', 'en')).toBe('positive');
    expect(label('new phone 😡👎', 'en')).toBe('negative');
  });

  it('rules alone handle negation, caps and emphasis', () => {
    const r = (t: string) => sentimentEn(t, { rulesOnly: true }).score;
    expect(r('not good')).toBeLessThan(0);
    expect(r('GREAT!!!')).toBeGreaterThan(r('great'));
    expect(r('soooo goooood')).toBeGreaterThan(0);
    expect(r('#fail')).toBeLessThan(0);
  });
});

describe('Chinese sentiment', () => {
  it.each([
    ['这家店的菜很好吃，服务也很热情，推荐！', 'positive'],
    ['太差了，送餐慢，饭菜都凉了，再也不买了', 'negative'],
    ['不错', 'positive'],
    ['我很不高兴', 'negative'],
    ['不高兴', 'negative'],
    ['今天踩雷了，拉胯', 'negative'],
    ['yyds，绝绝子', 'positive'],
    ['[哈哈][爱你]', 'positive'],
    ['[怒][泪]', 'negative'],
  ])('%s → %s', (text, want) => {
    expect(label(text, 'zh')).toBe(want);
  });

  it('plainly factual posts are neutral, not negative', () => {
    // The training reviews have no neutral class and read lexicon-silent texts as complaints.
    for (const t of ['我们下周二在杭州见面', '这家店周末也营业', '这个型号有两种尺寸'])
      expect(label(t, 'zh')).toBe('neutral');
  });

  it('negation over degree words: 不是很好, 一点都不好吃', () => {
    expect(label('不是很好', 'zh')).toBe('negative');
    expect(label('一点都不好吃', 'zh')).toBe('negative');
  });

  it('contrast: 但是 shifts the weight to the second clause', () => {
    expect(sentimentZh('包装很好，但是味道太差了').label).toBe('negative');
  });

  it('rules alone: 不高兴 negative, 不错 positive, 不太满意 negative', () => {
    expect(sentimentZh('不高兴', { rulesOnly: true }).score).toBeLessThan(0);
    expect(sentimentZh('不错', { rulesOnly: true }).score).toBeGreaterThan(0);
    expect(sentimentZh('不太满意', { rulesOnly: true }).score).toBeLessThan(0);
  });

  it('scalar adjectives take their polarity from the aspect: 性价比高 +, 价格高 −', () => {
    const rules = (t: string) => sentimentZh(t, { rulesOnly: true }).score;
    expect(rules('性价比很高')).toBeGreaterThan(0);
    expect(rules('性价比不高')).toBeLessThan(0);
    expect(rules('价格偏高')).toBeLessThan(0);
    expect(rules('价格也不是很高')).toBeGreaterThan(0);
    expect(rules('噪音很大')).toBeLessThan(0);
    expect(rules('续航时间短')).toBeLessThan(0);
    expect(rules('待机时间长')).toBeGreaterThan(0);
    // No aspect noun before it: 高 and 大 carry nothing.
    expect(rules('他个子很高')).toBe(0);
    expect(rules('屏幕大')).toBe(0);
  });

  it('review vocabulary of books, electronics and travel', () => {
    expect(label('内容空洞，枯燥乏味', 'zh')).toBe('negative');
    expect(label('读完受益匪浅，爱不释手', 'zh')).toBe('positive');
    expect(label('用了两天就蓝屏，返修了', 'zh')).toBe('negative');
    expect(label('景区宰客，乱收费', 'zh')).toBe('negative');
  });

  it('Han text without a language hint goes to the Chinese model', () => {
    expect(scoreSentiment('非常满意，下次还来').lang).toBe('zh');
  });
});

describe('target sentiment', () => {
  const brands: BrandTarget[] = [
    { id: 'acme', name: 'Acme', terms: ['acme', '艾克米'] },
    { id: 'globex', name: 'Globex', terms: ['globex'] },
  ];

  it('scores each brand on its own clause (English)', () => {
    const text = 'I loved Acme, Globex was awful';
    const b = brandSentiments(text, 'en', brands, scoreSentiment(text, 'en'));
    expect(b.acme?.label).toBe('positive');
    expect(b.globex?.label).toBe('negative');
  });

  it('scores each brand on its own clause (Chinese)', () => {
    const text = '艾克米很好，但是Globex太差了';
    const b = brandSentiments(text, 'zh', brands, scoreSentiment(text, 'zh'));
    expect(b.acme?.label).toBe('positive');
    expect(b.globex?.label).toBe('negative');
  });

  it('comparisons: the brand after "than" / 比 / 不如 gets the opposite', () => {
    const both = (text: string, lang: string) => {
      const b = brandSentiments(text, lang, brands, scoreSentiment(text, lang));
      return [b.acme?.label, b.globex?.label];
    };
    expect(both('Acme is much better than Globex', 'en')).toEqual(['positive', 'negative']);
    expect(both('Globex is worse than Acme', 'en')).toEqual(['positive', 'negative']);
    expect(both('艾克米比Globex好用多了', 'zh')).toEqual(['positive', 'negative']);
    expect(both('艾克米不如Globex', 'zh')).toEqual(['negative', 'positive']);
  });

  it('switching: the brand left behind gets the opposite, also in the clauses that follow', () => {
    const both = (text: string, lang: string) => {
      const b = brandSentiments(text, lang, brands, scoreSentiment(text, lang));
      return [b.acme?.label, b.globex?.label];
    };
    expect(both('I switched from Globex to Acme and love it', 'en')).toEqual(['positive', 'negative']);
    expect(both('Switched from Acme to Globex, best decision ever', 'en')).toEqual(['negative', 'positive']);
    expect(both('从Globex换成艾克米，太爽了', 'zh')).toEqual(['positive', 'negative']);
  });

  it('two brands in one clause without punctuation are still told apart', () => {
    const text = '艾克米很好Globex太差了';
    const b = brandSentiments(text, 'zh', brands, scoreSentiment(text, 'zh'));
    expect(b.acme?.label).toBe('positive');
    expect(b.globex?.label).toBe('negative');
    const same = 'Acme and Globex are both terrible';
    const s = brandSentiments(same, 'en', brands, scoreSentiment(same, 'en'));
    expect(s.acme?.label).toBe('negative');
    expect(s.globex?.label).toBe('negative');
  });

  it('a brand the text does not name gets the overall sentiment', () => {
    const text = 'Acme support was fantastic, thank you!';
    const overall = scoreSentiment(text, 'en');
    const b = brandSentiments(text, 'en', brands, overall);
    expect(b.globex).toMatchObject({ label: overall.label, score: overall.score });
  });

  it('the classifier returns overall and per-brand sentiment', async () => {
    const out = await sentiment.classify(
      ctx,
      [{ id: '1', text: 'Acme is great but Globex is terrible', lang: 'en', brands }],
      [{}],
      options,
    );
    expect(out[0]?.sentiment).toBeDefined();
    expect(out[0]?.brandSentiment?.acme?.label).toBe('positive');
    expect(out[0]?.brandSentiment?.globex?.label).toBe('negative');
  });
});

describe('contract', () => {
  it('one output per input, in order, scores in [-1, 1], garbage is neutral', async () => {
    const texts = [
      '',
      '   ',
      '!!!???',
      '\u0000\uffff',
      '😂',
      'http://x.y',
      'great',
      '垃圾',
      'a'.repeat(5000),
      '🤡'.repeat(300),
    ];
    const inputs: ClassifierInput[] = texts.map((text, i) => ({
      id: String(i),
      text,
      lang: i % 2 ? 'zh' : undefined,
    }));
    const out = await sentiment.classify(
      ctx,
      inputs,
      inputs.map(() => ({})),
      options,
    );
    expect(out).toHaveLength(inputs.length);
    for (const o of out) {
      expect(o.sentiment).toBeDefined();
      expect(o.sentiment!.score).toBeGreaterThanOrEqual(-1);
      expect(o.sentiment!.score).toBeLessThanOrEqual(1);
      expect(o.sentiment!.confidence).toBeGreaterThanOrEqual(0);
      expect(o.sentiment!.confidence).toBeLessThanOrEqual(1);
    }
    expect(out[0]?.sentiment?.label).toBe('neutral');
    expect(out[1]?.sentiment?.label).toBe('neutral');
    expect(out[2]?.sentiment?.label).toBe('neutral');
    expect(out[6]?.sentiment?.label).toBe('positive');
    expect(out[7]?.sentiment?.label).toBe('negative');
  });

  it('label agrees with the sign of the score', () => {
    for (const t of ['love it', 'hate it', 'meh', '还行吧', '很好', '很差']) {
      const s = scoreSentiment(t);
      if (s.label === 'positive') expect(s.score).toBeGreaterThan(0);
      if (s.label === 'negative') expect(s.score).toBeLessThan(0);
    }
  });
});
