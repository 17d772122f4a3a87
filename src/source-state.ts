import type { SourceState, sourceHealth } from '../db/schema/index.ts';
import { isBlockingFault } from './errors.ts';

/**
 * The state of a source, read from its health row: what `earshot sources`, the API and the
 * `collector-down` alert (a silent source) all show. A pure function, so the pipeline that
 * writes the row and the alerting that reads it share it without depending on each other.
 */

/** A source is silent when nothing new arrived for this many times its usual interval. */
export const SILENT_FACTOR = 4;
/** ...and at least this long, so a source that usually yields every minute is not flagged after 4. */
export const SILENT_MIN_SECONDS = 6 * 3600;

type HealthRow = Pick<
  typeof sourceHealth.$inferSelect,
  'runs' | 'consecutiveFailures' | 'lastErrorKind' | 'lastNewAt' | 'avgNewIntervalSec'
>;

/**
 * @example
 * stateOf({ runs: 3, consecutiveFailures: 1, lastErrorKind: 'captcha', lastNewAt: null, avgNewIntervalSec: null }, now) // 'blocked'
 */
export function stateOf(h: HealthRow | undefined, now: Date): SourceState {
  if (!h || h.runs === 0) return 'never-run';
  if (h.consecutiveFailures > 0) return isBlockingFault(h.lastErrorKind) ? 'blocked' : 'failing';
  if (h.lastNewAt && h.avgNewIntervalSec) {
    const silentFor = (now.getTime() - h.lastNewAt.getTime()) / 1000;
    if (silentFor > Math.max(SILENT_MIN_SECONDS, SILENT_FACTOR * h.avgNewIntervalSec)) return 'silent';
  }
  return 'ok';
}
