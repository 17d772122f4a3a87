import { langDetect } from './lang-detect.ts';
import type { ClassifierDefinition } from './types.ts';

/**
 * Registered classifiers, run in this order; a later one's field replaces an earlier one's.
 * Adding a classifier: one file exporting a `defineClassifier(...)`, one line here.
 */
export const classifiers: readonly ClassifierDefinition[] = [langDetect];

export function classifierById(id: string): ClassifierDefinition | undefined {
  return classifiers.find((c) => c.id === id);
}
