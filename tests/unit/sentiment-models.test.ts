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

  it('every set a model is trained on has an honest DEV figure, and a TRAIN CV figure for its TRAIN split', () => {
    type Fig = { accuracy: number };
    const cv = read('sentiment-cv.json').sets as Record<string, { devKind: string; dev: Fig; trainCv?: Fig }>;
    for (const name of ['sentiment-en.json', 'sentiment-zh.json'])
      for (const entry of read(name).trainedOn as string[]) {
        const [, set, split] = /^(\S+) \((TRAIN|DEV)\)$/.exec(entry) ?? [];
        expect(set, entry).toBeTruthy();
        expect(cv[set!]?.dev.accuracy, entry).toBeGreaterThan(0);
        // DEV lines of a set with a TRAIN split are never trained on; DEV-only sets are cross-fitted.
        expect(cv[set!]!.devKind, entry).toBe(split === 'TRAIN' ? 'held-out' : 'cross-fitted');
        if (split === 'TRAIN') expect(cv[set!]!.trainCv?.accuracy, entry).toBeGreaterThan(0);
      }
    for (const set of ['chnsenticorp', 'chnsenticorp_htl']) expect(cv[set]?.devKind).toBe('measure-only');
  });

  it('converted lexicons keep their license and attribution', () => {
    for (const name of ['sentiment-en-lexicon.json', 'sentiment-en-pattern.json']) {
      const lex = read(name);
      expect(lex.license).toBeTruthy();
      expect(lex.attribution).toBeTruthy();
    }
  });
});
