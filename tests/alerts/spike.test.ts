import { describe, expect, it } from 'vitest';
import {
  createSpikeDetector,
  detectSeries,
  formatNabTimestamp,
  parseNabCsv,
  runDetectCli,
} from '../../alerts/spike.ts';

const FIVE_MIN = 300_000;
const HOUR = 3_600_000;
const DAY = 288; // five-minute buckets per day
const start = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC

/** Deterministic Poisson counts around `mean(i)`, one bucket every `step` ms. */
function poisson(n: number, mean: (i: number) => number, { seed = 42, step = FIVE_MIN } = {}) {
  let s = seed;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: n }, (_, i) => {
    const m = mean(i);
    // Normal approximation above 500 keeps the generator fast; exact inversion below.
    if (m > 500) {
      const z = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
      return { at: new Date(start + i * step), value: Math.max(0, Math.round(m + z * Math.sqrt(m))) };
    }
    let k = 0;
    let p = Math.exp(-m);
    let acc = p;
    const u = rand();
    while (u > acc && k < 10_000) {
      k++;
      p *= m / k;
      acc += p;
    }
    return { at: new Date(start + i * step), value: k };
  });
}

describe('spike detector', () => {
  it('stays quiet on flat Poisson noise, at any volume', () => {
    for (const [mean, seed] of [
      [0.2, 1],
      [4, 2],
      [40, 3],
      [2000, 4],
    ] as const) {
      expect(detectSeries(poisson(21 * DAY, () => mean, { seed }))).toEqual([]);
    }
  });

  it('opens once, within a few buckets, on a tenfold burst', () => {
    const at = 10 * DAY + 100;
    const rows = poisson(12 * DAY, (i) => (i >= at && i < at + 24 ? 400 : 40));
    const sigs = detectSeries(rows);
    expect(sigs).toHaveLength(1);
    const first = sigs[0]!;
    expect(first.kind).toBe('open');
    expect((first.at.getTime() - rows[at]!.at.getTime()) / FIVE_MIN).toBeLessThanOrEqual(2);
    expect(first.ratio).toBeGreaterThan(2);
    expect(first.value).toBeGreaterThan(first.expected);
  });

  it('does not fire on a burst at tiny volume (1 → 3 per bucket)', () => {
    const at = 10 * DAY + 100;
    const rows = poisson(12 * DAY, (i) => (i >= at && i < at + 24 ? 3 : 1));
    expect(detectSeries(rows)).toEqual([]);
  });

  it('fires at tiny volume when the excess is material (0.2 → 40 per bucket)', () => {
    const at = 10 * DAY + 100;
    const rows = poisson(12 * DAY, (i) => (i >= at && i < at + 12 ? 40 : 0.2));
    expect(detectSeries(rows).map((s) => s.kind)).toEqual(['open']);
  });

  it('learns a daily rise that repeats and stops firing on it', () => {
    // 17:00-19:00 UTC every day: 6× the rest of the day.
    const rows = poisson(21 * DAY, (i) => (i % DAY >= 17 * 12 && i % DAY < 19 * 12 ? 180 : 30));
    const late = detectSeries(rows).filter((s) => s.at.getTime() >= start + 5 * 86_400_000);
    expect(late).toEqual([]);
  });

  it('learns a weekly pattern (quiet weekends) and stops firing on Monday mornings', () => {
    const weekday = (i: number) => Math.floor(i / DAY) % 7 < 5; // the series starts on a Monday
    const rows = poisson(42 * DAY, (i) => (weekday(i) ? 80 : 12));
    const late = detectSeries(rows).filter((s) => s.at.getTime() >= start + 14 * 86_400_000);
    expect(late).toEqual([]);
  });

  it('re-escalates when a running episode rises markedly, not while it builds up', () => {
    const at = 10 * DAY + 100;
    const rows = poisson(12 * DAY, (i) =>
      i >= at && i < at + 12 ? 300 : i >= at + 12 && i < at + 24 ? 1500 : 30,
    );
    const sigs = detectSeries(rows);
    expect(sigs.map((s) => s.kind)).toEqual(['open', 'escalate']);
    expect(sigs[1]!.ratio).toBeGreaterThan(2 * sigs[0]!.ratio);
  });

  it('opens a new episode after the cool-down, escalates only inside it', () => {
    const a = 10 * DAY + 100;
    const b = a + 2 * DAY; // two days later: a separate anomaly
    const rows = poisson(14 * DAY, (i) => ((i >= a && i < a + 12) || (i >= b && i < b + 12) ? 400 : 40));
    expect(detectSeries(rows).map((s) => s.kind)).toEqual(['open', 'open']);
  });

  it('works on hourly buckets with the same defaults (the interval is inferred)', () => {
    const at = 20 * 24 + 14;
    const rows = poisson(30 * 24, (i) => (i >= at && i < at + 3 ? 600 : 60), { step: HOUR });
    const sigs = detectSeries(rows);
    expect(sigs).toHaveLength(1);
    expect(sigs[0]!.at).toEqual(rows[at]!.at);
    expect(sigs[0]!.windowMinutes).toBe(60);
  });

  it('state survives JSON and continues identically', () => {
    const at = 10 * DAY + 100;
    const rows = poisson(12 * DAY, (i) => (i >= at && i < at + 10 ? 500 : 50));
    const whole = detectSeries(rows);
    expect(whole.length).toBeGreaterThan(0);
    const a = createSpikeDetector();
    const got: unknown[] = [];
    for (const r of rows.slice(0, 9 * DAY)) {
      const s = a.push(r.at, r.value);
      if (s) got.push(s);
    }
    const b = createSpikeDetector({}, JSON.parse(JSON.stringify(a.state())));
    for (const r of rows.slice(9 * DAY)) {
      const s = b.push(r.at, r.value);
      if (s) got.push(s);
    }
    expect(got).toEqual(whole);
    expect(JSON.parse(JSON.stringify(b.state()))).toEqual(b.state());
  });

  it('rejects a state of another version', () => {
    const bad = { ...createSpikeDetector().state(), v: 1 } as unknown as Parameters<
      typeof createSpikeDetector
    >[1];
    expect(() => createSpikeDetector({}, bad)).toThrow(/version/);
  });

  it('ignores duplicate or out-of-order buckets', () => {
    const d = createSpikeDetector();
    d.push(new Date(start), 5);
    d.push(new Date(start + FIVE_MIN), 5);
    const before = d.state();
    expect(d.push(new Date(start), 500)).toBeNull();
    expect(d.state()).toEqual(before);
  });
});

describe('spike detector: peek and commit (the in-progress bucket)', () => {
  const at = 20 * 24 + 14;
  const rows = poisson(30 * 24, (i) => (i >= at && i < at + 3 ? 600 : 60), { step: HOUR });
  const fedUpTo = (k: number) => {
    const d = createSpikeDetector({ intervalMs: HOUR });
    for (const r of rows.slice(0, k)) d.push(r.at, r.value);
    return d;
  };

  it('peek says what push would, without changing the state', () => {
    const d = fedUpTo(at);
    const before = d.state();
    const check = d.peek(rows[at]!.at, rows[at]!.value);
    expect(d.state()).toEqual(before);
    expect(check.signal).toMatchObject({ kind: 'open', at: rows[at]!.at });
    expect(check.spike).toMatchObject({ value: rows[at]!.value });
    expect(d.push(rows[at]!.at, rows[at]!.value)).toEqual(check.signal);
  });

  it('a partial count that already spikes fires; the committed episode is not opened again on push', () => {
    const d = fedUpTo(at);
    const partial = d.peek(rows[at]!.at, Math.round(rows[at]!.value / 2));
    expect(partial.signal?.kind).toBe('open');
    d.commit(partial.signal!);
    // The bucket completes at under twice the partial ratio: same episode, no new signal.
    expect(d.push(rows[at]!.at, rows[at]!.value)).toBeNull();
    // The rest of the series signals exactly as without the peek (nothing more here).
    const rest = rows.slice(at + 1).flatMap((r) => d.push(r.at, r.value) ?? []);
    expect(rest).toEqual(detectSeries(rows).filter((s) => s.at > rows[at]!.at));
  });

  it('inside an episode, a bucket that still spikes reports the spike but no signal', () => {
    const d = fedUpTo(at + 1);
    const check = d.peek(rows[at + 1]!.at, rows[at + 1]!.value);
    expect(check.signal).toBeNull();
    expect(check.spike?.ratio).toBeGreaterThan(2);
  });

  it('is ready only after the warm-up', () => {
    const d = createSpikeDetector({ intervalMs: HOUR });
    expect(d.ready(rows[0]!.at)).toBe(false);
    d.push(rows[0]!.at, rows[0]!.value);
    expect(d.ready(rows[47]!.at)).toBe(false);
    expect(d.ready(rows[48]!.at)).toBe(true);
  });
});

describe('NAB CSV', () => {
  it('parses naive timestamps as UTC', () => {
    expect(parseNabCsv('timestamp,value\n2015-02-26 21:42:53,7\r\n2015-02-26 21:47:53,4\n')).toEqual([
      { at: new Date('2015-02-26T21:42:53Z'), value: 7 },
      { at: new Date('2015-02-26T21:47:53Z'), value: 4 },
    ]);
    expect(formatNabTimestamp(new Date('2015-02-26T21:42:53Z'))).toBe('2015-02-26 21:42:53');
  });

  it('names the line of a bad row', () => {
    expect(() => parseNabCsv('time,count\n')).toThrow(/line 1: expected a header/);
    expect(() => parseNabCsv('timestamp,value\n2015-02-26 21:42:53,7\nnope,3\n')).toThrow(
      /line 3: bad timestamp "nope"/,
    );
    expect(() => parseNabCsv('timestamp,value\n2015-02-26 21:42:53,x\n')).toThrow(/line 2: bad value "x"/);
    expect(() => parseNabCsv('timestamp,value\n2015-02-26 21:42:53,\n')).toThrow(/line 2: bad value/);
    expect(() => parseNabCsv('timestamp,value\n2015-02-26 21:42:53,1\n2015-02-26 21:42:53,2\n')).toThrow(
      /line 3: timestamps must increase/,
    );
  });

  it('prints detections as NAB timestamps for `earshot detect`', () => {
    const at = 10 * DAY + 100;
    const rows = poisson(12 * DAY, (i) => (i >= at && i < at + 24 ? 400 : 40));
    const csv = `timestamp,value\n${rows.map((r) => `${formatNabTimestamp(r.at)},${r.value}`).join('\n')}\n`;
    const out = JSON.parse(runDetectCli(csv)) as { detections: string[] };
    expect(out.detections).toHaveLength(1);
    expect(out.detections[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });
});
