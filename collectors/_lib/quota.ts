import { SourceFault } from '../../src/errors.ts';

/**
 * A spend counter that lives in a collector's cursor, so it survives restarts: `period` names
 * the billing period it counts (a Pacific day for YouTube, a UTC month for X) and `used` what
 * was spent in it. A new period starts from zero.
 */
export interface QuotaState {
  period: string;
  used: number;
}

/** The calendar day in a time zone, `YYYY-MM-DD` (en-CA formats dates that way). */
export function dayIn(timeZone: string, at: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** YouTube Data API quotas reset at midnight Pacific time. */
export const pacificDay = (at: Date) => dayIn('America/Los_Angeles', at);

/** Calendar month in UTC, `YYYY-MM`. */
export const utcMonth = (at: Date) => at.toISOString().slice(0, 7);

/** The state for the current period (the stored one, or a fresh one when the period turned). */
export function currentQuota(stored: QuotaState | null | undefined, period: string): QuotaState {
  return stored && stored.period === period ? { ...stored } : { period, used: 0 };
}

/**
 * Charge `units` against `limit`, or throw `quota-exhausted` before exceeding it. Mutates and
 * returns `q`.
 */
export function spend(q: QuotaState, units: number, limit: number, what: string): QuotaState {
  if (q.used + units > limit) {
    throw new SourceFault(
      'quota-exhausted',
      `${what}: ${q.used} of ${limit} units used in ${q.period}; the next call needs ${units}`,
      { retry: false, context: { period: q.period, used: q.used, limit, needed: units } },
    );
  }
  q.used += units;
  return q;
}
