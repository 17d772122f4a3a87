import { crisis } from './crisis.ts';
import { langDetect } from './lang-detect.ts';
import { llm } from './llm.ts';
import { sentiment } from './sentiment.ts';
import { spam } from './spam.ts';
import { topics } from './topics.ts';
import type { ClassifierDefinition } from './types.ts';

/**
 * Registered classifiers, run in this order; a later one's field replaces an earlier one's.
 * Language first (others read `lang`), the optional LLM pass last (it refines the local
 * results and only looks at low-confidence or high-reach mentions).
 * Adding a classifier: one file exporting a `defineClassifier(...)`, one line here.
 */
export const classifiers = [
  langDetect,
  sentiment,
  topics,
  crisis,
  spam,
  llm,
] as const satisfies readonly ClassifierDefinition[];

/**
 * A registered classifier by id.
 *
 * @example
 * classifierById('lang-detect')?.version // '2'
 */
export function classifierById(id: string): ClassifierDefinition | undefined {
  return classifiers.find((c) => c.id === id);
}
