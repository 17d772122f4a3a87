import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifierById, classifiers } from '../../../classifiers/index.ts';
import type { ClassifierInput } from '../../../classifiers/types.ts';
import { silentLogger } from '../../../src/log.ts';

const ctx = { log: silentLogger() };

describe('classifier registry', () => {
  it('registers every classifier file', () => {
    const dir = fileURLToPath(new URL('../../../classifiers/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'types.ts' && f !== 'index.ts');
    const registered = new Set(classifiers.map((c) => `${c.id}.ts`));
    // sentiment-en / sentiment-zh are language modules wrapped by the registered `sentiment` classifier.
    const wrapped = (f: string) => /^sentiment-[a-z]{2}\.ts$/.test(f) && registered.has('sentiment.ts');
    expect(files.filter((f) => !registered.has(f) && !wrapped(f))).toEqual([]);
  });

  it('runs language detection first and the LLM pass last, with unique ids', () => {
    const ids = classifiers.map((c) => c.id);
    expect(ids[0]).toBe('lang-detect');
    expect(ids.at(-1)).toBe('llm');
    expect(new Set(ids).size).toBe(ids.length);
    const order = ['lang-detect', 'sentiment', 'topics', 'crisis', 'spam', 'llm'].filter((id) =>
      ids.includes(id),
    );
    expect(ids.filter((id) => order.includes(id))).toEqual(order);
    expect(classifierById('crisis')?.id).toBe('crisis');
    expect(classifierById('nope')).toBeUndefined();
  });
});

// Contract over the registry: a classifier registered tomorrow is covered the day it lands.
describe.each(classifiers.map((c) => [c.id, c] as const))('classifier contract: %s', (_id, def) => {
  const options = def.options.parse({}) as never;

  it('has defaults for every option and declares what it produces', () => {
    expect(def.version).toMatch(/\S/);
    expect(def.description.length).toBeGreaterThan(10);
    expect(def.produces.length).toBeGreaterThan(0);
  });

  it('returns one output per input, in order, only with declared fields, for any text', async () => {
    await def.init?.(ctx, options);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            text: fc.oneof(
              fc.string(),
              fc.string({ unit: 'grapheme' }),
              fc.constantFrom('', ' ', '😂😂', '[哈哈]', '#a #b', 'http://x.y'),
            ),
            title: fc.option(fc.string(), { nil: undefined }),
            lang: fc.option(fc.constantFrom('en', 'zh', 'ja', 'xx', ''), { nil: undefined }),
          }),
          { maxLength: 8 },
        ),
        async (rows) => {
          const inputs: ClassifierInput[] = rows.map((r, i) => ({ id: `i${i}`, ...r }));
          const out = await def.classify(
            ctx,
            inputs,
            inputs.map(() => ({})),
            options,
          );
          expect(out).toHaveLength(inputs.length);
          for (const o of out) for (const k of Object.keys(o)) expect(def.produces).toContain(k);
        },
      ),
      { numRuns: 40 },
    );
  });
});
