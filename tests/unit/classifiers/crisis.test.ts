import { describe, expect, it } from 'vitest';
import { isNegated } from '../../../classifiers/_lib/lexicon.ts';
import { crisis, crisisOf, crisisOptions } from '../../../classifiers/crisis.ts';
import { silentLogger } from '../../../src/log.ts';

const categories = (text: string) =>
  crisisOf(text)
    .signals.filter((s) => !s.negated)
    .map((s) => s.category);

describe('crisis', () => {
  it.each([
    ['#BoycottAcme until they apologise', 'boycott'],
    ['大家抵制艾克米，别买了', 'boycott'],
    ['Acme recalls 2 million kettles', 'recall'],
    ['艾克米紧急召回问题水壶', 'recall'],
    ['We are filing a class action lawsuit', 'legal'],
    ['准备发起集体诉讼', 'legal'],
    ['My son was hospitalized after the battery exploded', 'injury'],
    ['Got food poisoning from their burger', 'food-safety'],
    ['吃完拉肚子，疑似食物中毒', 'food-safety'],
    ['Their data breach leaked my address', 'privacy'],
    ['用户个人信息泄露了', 'privacy'],
    ['The ad was blatantly racist', 'discrimination'],
    ['店员歧视外地人', 'discrimination'],
    ['This "sale" is a scam', 'fraud'],
    ['虚假宣传，欺诈消费者', 'fraud'],
    ['Reported them to the FTC', 'regulator'],
    ['已经向市场监管局举报，12315也打了', 'regulator'],
    ['Workers are on strike at the Acme plant', 'protest'],
    ['我要维权！投诉到底', 'consumer-rights'],
    ['315晚会曝光了这家', 'exposure'],
    ['平台爆雷，老板跑路了', 'collapse'],
  ])('%s → %s', (text, category) => {
    expect(categories(text)).toContain(category);
    expect(crisisOf(text).score).toBeGreaterThan(0.25);
  });

  it('finds nothing in ordinary posts', () => {
    for (const t of [
      'Love my new kettle',
      '这个水壶很好用',
      'life hack: descale with vinegar',
      'dead simple setup',
    ]) {
      expect(crisisOf(t), t).toEqual({ score: 0, signals: [] });
    }
  });

  it('reduces negated signals ("no recall", "没有中毒", "not a scam") but keeps them visible', () => {
    for (const [neg, pos] of [
      ['There was no recall, relax', 'There was a recall, careful'],
      ['这次没有中毒，放心吃', '这次中毒了，别吃'],
      ['This is not a scam, I got my money', 'This is a scam, I lost my money'],
      ['并未召回', '已经召回'],
    ] as const) {
      const n = crisisOf(neg);
      const p = crisisOf(pos);
      expect(n.signals.length, neg).toBeGreaterThan(0);
      expect(
        n.signals.every((s) => s.negated),
        neg,
      ).toBe(true);
      expect(n.score, neg).toBeLessThan(p.score / 3);
    }
  });

  it('does not treat complaints as negated, nor accusations that contain 无 as denials', () => {
    expect(crisisOf('never got my refund').signals[0]).toMatchObject({
      category: 'consumer-rights',
      weight: 0.4,
    });
    expect(crisisOf('商家不给退款').signals.some((s) => s.negated)).toBe(false);
    expect(crisisOf('无良商家欺诈消费者').signals[0]).toMatchObject({ term: '欺诈', weight: 0.7 });
  });

  it('negation stops at clause boundaries', () => {
    expect(
      isNegated('no problem with the kettle, but a recall', 'no problem with the kettle, but a '.length),
    ).toBe(false);
    expect(isNegated('不是假的。中毒了', '不是假的。'.length)).toBe(false);
  });

  it('grows with several signals and stays within 0..1', () => {
    const one = crisisOf('this is a scam').score;
    const many = crisisOf(
      'Scam! Recall now, my kid was burned, lawyers are involved, reported to the FTC #boycott',
    ).score;
    expect(many).toBeGreaterThan(one);
    expect(many).toBeLessThanOrEqual(1);
  });

  it('accepts configured terms and returns {} without signals', async () => {
    const o = crisisOptions.parse({ terms: [{ term: 'kettlegate', category: 'exposure', weight: 0.9 }] });
    const out = await crisis.classify(
      { log: silentLogger() },
      [
        { id: '1', text: '#kettlegate is trending' },
        { id: '2', text: 'hello' },
      ],
      [],
      o,
    );
    expect(out[0]!.crisis?.signals[0]).toMatchObject({
      term: 'kettlegate',
      category: 'exposure',
      weight: 0.9,
    });
    expect(out[1]).toEqual({});
  });
});
