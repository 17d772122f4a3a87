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
    ['Acme recalls 2 million kettles', 'safety'],
    ['艾克米紧急召回问题水壶', 'safety'],
    ['We are filing a class action lawsuit', 'legal'],
    ['准备发起集体诉讼', 'legal'],
    ['My son was hospitalized after the battery exploded', 'safety'],
    ['Got food poisoning from their burger', 'health'],
    ['吃完拉肚子，疑似食物中毒', 'health'],
    ['Their data breach leaked my address', 'privacy'],
    ['用户个人信息泄露了', 'privacy'],
    ['The ad was blatantly racist', 'scandal'],
    ['店员歧视外地人', 'scandal'],
    ['This "sale" is a scam', 'fraud'],
    ['虚假宣传，欺诈消费者', 'fraud'],
    ['Reported them to the FTC', 'legal'],
    ['已经向市场监管局举报，12315也打了', 'legal'],
    ['Workers are on strike at the Acme plant', 'labour'],
    ['我要维权！投诉到底', 'legal'],
    ['实锤了，这家偷税漏税', 'scandal'],
    ['平台爆雷，老板跑路了', 'fraud'],
    ['Paylio is down, I am locked out of my account', 'outage'],
    ['支付通崩了，无法登录', 'outage'],
    ['前员工爆料：拖欠工资三个月', 'labour'],
    ['My Fitlyfe account was taken over', 'privacy'],
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
    expect(crisisOf('they never shipped my order').signals[0]).toMatchObject({
      category: 'fraud',
      weight: 0.75,
    });
    expect(crisisOf('押金不退，投诉无门').signals.some((s) => s.negated)).toBe(false);
    expect(crisisOf('无良商家欺诈消费者').signals[0]).toMatchObject({ term: '欺诈', weight: 0.9 });
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

  it('reads the other senses of crisis words as no signal (drills, tests, slang, finance)', () => {
    for (const t of [
      'Fire drill at the office at 10am',
      'Ran a crash test and a smoke test on the build',
      'Our burn rate is down 20% this quarter',
      'This game is fire 🔥',
      'Battery life is a killer feature',
      'She absolutely killed it on stage',
      '这款奶茶太火爆了，新品直接爆款',
      '这部剧火了',
      '空气炸锅做鸡翅太香了',
      '今天公司组织消防演习',
      '我心态崩了哈哈',
      'I recall the old logo was blue',
    ]) {
      expect(crisisOf(t).score, t).toBeLessThan(0.3);
    }
  });

  it('discounts hedged questions, hypotheticals, safety advice and denials, not rhetorical questions', () => {
    const asserted = crisisOf('My blender caught fire').score;
    for (const t of [
      'Did your blender catch fire too?',
      'Has anyone had their Orbix battery explode?',
      '这款电暖器会不会起火？',
      '请问召回范围包括2022款吗？',
      'If a battery catches fire, use a class D extinguisher',
      '科普：电池起火时应该如何处置',
      '官方辟谣：网传爆炸视频与本品牌无关',
      'No fire, no smoke, the unit just tripped the breaker',
      '经检测未发现起火隐患，无人员伤亡',
    ]) {
      const r = crisisOf(t);
      expect(r.score, t).toBeLessThan(0.35);
      expect(r.score, t).toBeLessThan(asserted / 2);
    }
    for (const t of ['Why did my blender catch fire?!', '为什么充电宝会爆炸？谁还敢用']) {
      expect(crisisOf(t).score, t).toBeGreaterThan(0.8);
    }
  });

  it('gives the main category of a crisis post and a score in 0..1', () => {
    for (const [t, category] of [
      ['My Acme X200 blender caught fire this morning. This is dangerous, recall it now!', 'safety'],
      ['艾克米搅拌机冒烟爆炸，差点伤到孩子，维权！', 'safety'],
      ['Reports of Acme X200 blenders catching fire. Unsafe — unplug yours.', 'safety'],
      ['Found glass in my yogurt', 'health'],
      ['钱包宝平台爆雷了，提现提不出来', 'fraud'],
      ['Cloudkeep got hacked, passwords leaked', 'privacy'],
      ['银行App连续两天无法登录', 'outage'],
      ['#BoycottBrewhaus', 'boycott'],
      ['Workers forced into unpaid overtime at the plant', 'labour'],
      ['代言人塌房了', 'scandal'],
    ] as const) {
      const r = crisisOf(t);
      expect(r.category, t).toBe(category);
      expect(r.score, t).toBeGreaterThanOrEqual(0.5);
      expect(r.score, t).toBeLessThanOrEqual(1);
    }
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
