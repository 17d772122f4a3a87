import { describe, expect, it } from 'vitest';
import { DEFAULT_TOPICS, topics, topicsOf, topicsOptions } from '../../../classifiers/topics.ts';
import type { ClassifierInput } from '../../../classifiers/types.ts';
import { silentLogger } from '../../../src/log.ts';

const ctx = { log: silentLogger() };
const ids = (text: string) => topicsOf(text).map((t) => t.id);

describe('topics', () => {
  it.each([
    ['Way too expensive for what it is', 'price'],
    ['性价比太低了，比别家贵', 'price'],
    ['The handle broke after a week, terrible quality', 'quality'],
    ['做工很差，用了两天就坏了', 'quality'],
    ['My package never arrived and tracking number shows nothing', 'delivery'],
    ['快递三天了还没发货', 'delivery'],
    ['Customer service kept me on hold for an hour', 'service'],
    ['客服态度差，没人理', 'service'],
    ['This charger overheats, fire hazard', 'safety'],
    ['充电器过热起火，太危险了', 'safety'],
    ['The app keeps crashing at login', 'app-website'],
    ['APP更新后一直闪退，登录不了', 'app-website'],
    ['Still waiting for my refund', 'returns'],
    ['申请退款一周了', 'returns'],
    ['Le prix est trop cher', 'price'],
    ['Die Lieferung kam zu spät', 'delivery'],
  ])('%s → %s', (text, id) => {
    expect(ids(text)).toContain(id);
  });

  it('finds nothing in unrelated text, and does not match words inside words', () => {
    expect(topicsOf('good morning everyone')).toEqual([]);
    expect(ids('I appreciate this')).not.toContain('app-website'); // app in appreciate
    expect(ids('去贵州旅游')).not.toContain('price'); // 贵 in 贵州
  });

  it('scores more distinct keywords higher, capped at 1', () => {
    const one = topicsOf('too expensive')[0]!;
    const many = topicsOf('overpriced, expensive, rip off, no discount, 太贵')[0]!;
    expect(one).toEqual({ id: 'price', score: 0.5 });
    expect(many.score).toBe(1);
  });

  it('has bilingual labels for every default topic', () => {
    for (const t of DEFAULT_TOPICS) {
      expect(t.label.en).toMatch(/\w/);
      expect(t.label.zh).toMatch(/\p{Script=Han}/u);
      expect(t.keywords.some((k) => /\p{Script=Han}/u.test(k))).toBe(true);
    }
  });

  it('uses a brand taxonomy (with brandId) instead of the default for that brand', async () => {
    const acme = {
      id: 'brd_acme',
      name: 'Acme',
      terms: ['acme'],
      topics: { 'kettle-lid': ['lid', '壶盖'], descaling: ['limescale', '水垢'] },
    };
    const globex = { id: 'brd_globex', name: 'Globex', terms: ['globex'] };
    const inputs: ClassifierInput[] = [
      { id: '1', text: 'Acme lid cracked and too expensive', brands: [acme] },
      { id: '2', text: 'Acme 壶盖 裂了，Globex 太贵', brands: [acme, globex] },
      { id: '3', text: 'too expensive', brands: [] },
    ];
    const out = await topics.classify(ctx, inputs, [], topicsOptions.parse({}));
    expect(out[0]!.topics).toEqual([{ id: 'kettle-lid', brandId: 'brd_acme', score: 0.5 }]);
    expect(out[1]!.topics).toEqual([
      { id: 'price', score: 0.5 },
      { id: 'kettle-lid', brandId: 'brd_acme', score: 0.5 },
    ]);
    expect(out[2]!.topics).toEqual([{ id: 'price', score: 0.5 }]);
  });

  it('lets options replace or extend the default taxonomy', async () => {
    const o = topicsOptions.parse({ extend: { price: ['spendy'], sizing: ['runs small', '偏小'] } });
    const out = await topics.classify(
      ctx,
      [
        { id: '1', text: 'spendy and runs small' },
        { id: '2', text: 'nothing here' },
      ],
      [],
      o,
    );
    expect(out[0]!.topics?.map((t) => t.id).sort()).toEqual(['price', 'sizing']);
    expect(out[1]).toEqual({});
    const only = topicsOptions.parse({ taxonomy: { fit: ['fit'] } });
    const out2 = await topics.classify(ctx, [{ id: '1', text: 'great fit but expensive' }], [], only);
    expect(out2[0]!.topics).toEqual([{ id: 'fit', score: 0.5 }]);
  });
});
