import { readFileSync } from 'node:fs';
import { type LinearModel, type LinearModelFile, loadLinear } from './linear.ts';

const cache = new Map<string, LinearModel | null>();

/**
 * A shipped model from `classifiers/models/`, read and dequantised once per process; `null`
 * when the file is missing (a fresh checkout before `npm run train:sentiment`), in which case
 * the classifiers fall back to their rules.
 */
export function modelFile(name: string): LinearModel | null {
  let m = cache.get(name);
  if (m === undefined) {
    try {
      const url = new URL(`../../models/${name}`, import.meta.url);
      m = loadLinear(JSON.parse(readFileSync(url, 'utf8')) as LinearModelFile);
    } catch {
      m = null;
    }
    cache.set(name, m);
  }
  return m;
}

/** For the trainer and tests: use this model instead of the file (null = rules only). */
export function setModel(name: string, m: LinearModel | null): void {
  cache.set(name, m);
}
