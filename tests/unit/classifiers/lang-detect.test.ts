import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { classifiers } from '../../../classifiers/index.ts';
import { detectLanguage, langDetect } from '../../../classifiers/lang-detect.ts';
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

  it('lets a source hint win when detection is unsure', () => {
    expect(detectLanguage('ok', 'de')).toMatchObject({ code: 'de' });
  });

  it('returns one output per input, in order, with scripts', async () => {
    const out = await langDetect.classify({ log: silentLogger() }, [{ id: 'a', text: 'hello there my friend, how are you' }, { id: 'b', text: '你好' }], [], {});
    expect(out.map((o) => o.lang?.code)).toEqual(['en', 'zh']);
    expect(out[1]!.lang!.scripts).toEqual(['han']);
  });
});

describe('classifier registry', () => {
  it('registers every classifier file', () => {
    const dir = fileURLToPath(new URL('../../../classifiers/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'types.ts' && f !== 'index.ts');
    const registered = new Set(classifiers.map((c) => `${c.id}.ts`));
    // sentiment-en / sentiment-zh are language modules wrapped by the registered `sentiment` classifier.
    const wrapped = (f: string) => /^sentiment-[a-z]{2}\.ts$/.test(f) && registered.has('sentiment.ts');
    expect(files.filter((f) => !registered.has(f) && !wrapped(f))).toEqual([]);
  });
});
