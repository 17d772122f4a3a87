import { describe, expect, it } from 'vitest';
import { detectLanguage, langDetect, langDetectOptions } from '../../../classifiers/lang-detect.ts';
import { silentLogger } from '../../../src/log.ts';

describe('language detection', () => {
  it.each([
    ['This is honestly the best kettle I have ever owned', 'en'],
    ['这个水壶真的很好用，推荐', 'zh'],
    ['我买了Acme的iPhone手机，还不错', 'zh'],
    ['このケトルはとても使いやすいです', 'ja'],
    ['이 주전자는 정말 좋아요', 'ko'],
    ['El servicio fue muy lento y la comida estaba fría', 'es'],
    ['Le service était très lent et la nourriture froide', 'fr'],
    ['Der Service war sehr langsam und das Essen kalt', 'de'],
    ['O atendimento foi muito lento e a comida estava fria', 'pt'],
    ['Обслуживание было очень медленным, а еда холодной', 'ru'],
    ['كانت الخدمة بطيئة جدا والطعام باردا', 'ar'],
  ])('%s → %s', (text, code) => {
    const r = detectLanguage(text);
    expect(r.code).toBe(code);
    expect(r.confidence).toBeGreaterThan(0.5);
  });

  it('says und with no confidence for emoji-only or link-only posts, and ignores URLs and mentions', () => {
    expect(detectLanguage('😂😂🔥')).toMatchObject({ code: 'und', confidence: 0 });
    expect(detectLanguage('https://example.com/a @someone')).toMatchObject({ code: 'und' });
    expect(detectLanguage('@acme_support 你们的客服怎么联系 https://t.co/xyz').code).toBe('zh');
  });

  it('lets a source hint win when detection is unsure, but not against the script', () => {
    expect(detectLanguage('ok', 'de')).toMatchObject({ code: 'de' });
    expect(detectLanguage('Prime video', 'en')).toMatchObject({ code: 'en' });
    expect(detectLanguage('这个水壶真的很好用，推荐', 'en').code).toBe('zh');
    expect(detectLanguage('東京大学', 'ja').code).toBe('ja');
    expect(detectLanguage('The service was slow and the food was cold', 'fr').code).toBe('en');
  });

  it.each([
    ['To jest bardzo dobry produkt a cena niska', 'pl'],
    ['Produk ini sangat bagus dan murah', 'id'],
    ['Bu ürün çok güzel ve ucuz', 'tr'],
    ['Denna produkt är mycket bra och billig', 'sv'],
    ['Sản phẩm này rất tốt và rẻ', 'vi'],
    ['Tämä tuote on erittäin hyvä ja halpa', 'fi'],
    ['Produsul este foarte bun si ieftin', 'ro'],
    ['Questo prodotto è molto buono e economico', 'it'],
    ['Dit product is erg goed en goedkoop', 'nl'],
  ])('does not force a language outside the function-word list into one inside it: %s → %s', (text, code) => {
    expect(detectLanguage(text).code).toBe(code);
  });

  it('handles mixed scripts', () => {
    expect(detectLanguage('新款iPhone 15 Pro Max和AirPods Pro到货了，Apple Store排队').code).toBe('zh');
    expect(detectLanguage('韓國 서울에서 먹은 음식이 정말 맛있었어요').code).toBe('ko');
    expect(detectLanguage('新しいiPhoneを買いました！最高').code).toBe('ja');
    expect(detectLanguage('Мені дуже подобається цей чайник').code).toBe('uk');
    expect(detectLanguage('این محصول خیلی خوب است و من راضی هستم').code).toBe('fa');
    expect(detectLanguage('Nice 👍 #好评').scripts).toEqual(['latin', 'han']);
  });

  it('gives short posts low confidence and never answers an exotic language for them', () => {
    expect(detectLanguage('Alexa is phenomenal!').confidence).toBeLessThan(0.5);
    for (const t of ['Great', 'Perfect!!!', 'Comcast sucks.', 'Review']) {
      const r = detectLanguage(t);
      expect(['en', 'und'], t).toContain(r.code);
      expect(r.confidence, t).toBeLessThanOrEqual(0.6);
    }
    expect(detectLanguage('A+')).toMatchObject({ code: 'und', confidence: 0 });
    expect(detectLanguage('[哈哈][哈哈]')).toMatchObject({ code: 'und' });
  });

  it('restricts n-gram answers to the configured candidates', async () => {
    const out = await langDetect.classify(
      { log: silentLogger() },
      [{ id: 'a', text: 'Cardinals baseball advance to Super Regionals' }],
      [],
      {
        candidates: ['en', 'de'],
        hintBelow: 0.6,
      },
    );
    expect(['en', 'de']).toContain(out[0]!.lang!.code);
  });

  it('returns one output per input, in order, with scripts', async () => {
    const out = await langDetect.classify(
      { log: silentLogger() },
      [
        { id: 'a', text: 'hello there my friend, how are you' },
        { id: 'b', text: '你好' },
      ],
      [],
      langDetectOptions.parse({}),
    );
    expect(out.map((o) => o.lang?.code)).toEqual(['en', 'zh']);
    expect(out[1]!.lang!.scripts).toEqual(['han']);
  });
});
