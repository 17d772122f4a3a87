import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const models = new URL('../../classifiers/models/', import.meta.url);
const read = (name: string) =>
  JSON.parse(readFileSync(new URL(name, models), 'utf8')) as Record<string, unknown>;

describe('shipped sentiment models', () => {
  it.each([
    'sentiment-en.json',
    'sentiment-zh.json',
    'sentiment-en-lexicon.json',
    'sentiment-en-pattern.json',
  ])('%s is under 8 MB', (name) => {
    expect(statSync(new URL(name, models)).size).toBeLessThan(8 * 1024 * 1024);
  });

  it('no model is trained on ChnSentiCorp (non-commercial terms)', () => {
    for (const name of ['sentiment-en.json', 'sentiment-zh.json']) {
      const trainedOn = read(name).trainedOn as string[];
      expect(trainedOn.length).toBeGreaterThan(0);
      expect(trainedOn.filter((s) => s.startsWith('chnsenticorp'))).toEqual([]);
    }
  });

  it('every set a model is trained on has a cross-validated figure', () => {
    const cv = read('sentiment-cv.json').sets as Record<string, { accuracy: number }>;
    for (const name of ['sentiment-en.json', 'sentiment-zh.json'])
      for (const set of read(name).trainedOn as string[]) expect(cv[set]?.accuracy).toBeGreaterThan(0);
  });

  it('converted lexicons keep their license and attribution', () => {
    for (const name of ['sentiment-en-lexicon.json', 'sentiment-en-pattern.json']) {
      const lex = read(name);
      expect(lex.license).toBeTruthy();
      expect(lex.attribution).toBeTruthy();
    }
  });
});
