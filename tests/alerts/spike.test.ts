import { describe, expect, it, vi } from 'vitest';
import {
  createSpikeDetector,
  detectSeries,
  formatNabTimestamp,
  parseNabCsv,
  profileFor,
  runDetectCli,
  type SpikeDetectorState,
} from '../../alerts/spike.ts';

const FIVE_MIN = 300_000;
const HOUR = 3_600_000;
const DAY_MS = 86_400_000;
const DAY = 288; // five-minute buckets per day
const start = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC

function rng(seed: number) {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Deterministic Poisson counts around `mean(i)`, one bucket every `step` ms from `from`. */
function poisson(n: number, mean: (i: number) => number, { seed = 42, step = FIVE_MIN, from = start } = {}) {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const m = mean(i);
    // Normal approximation above 500 keeps the generator fast; exact inversion below.
    if (m > 500) {
      const z = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
      return { at: new Date(from + i * step), value: Math.max(0, Math.round(m + z * Math.sqrt(m))) };
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
    return { at: new Date(from + i * step), value: k };
  });
}

/** A non-count metric (CPU %, latency): level × (1 + noise), one value every `step` ms. */
function metric(n: number, level: (i: number) => number, { seed = 7, step = FIVE_MIN, noise = 0.05 } = {}) {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const z = Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
    return { at: new Date(start + i * step), value: level(i) * (1 + noise * z) };
  });
}

const since = (sigs: { at: Date }[], ms: number) => sigs.filter((s) => s.at.getTime() >= ms);

describe('spike detector (alert profile, counts)', () => {
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
    expect(first).toMatchObject({ kind: 'open', direction: 'up' });
    expect((first.at.getTime() - rows[at]!.at.getTime()) / FIVE_MIN).toBeLessThanOrEqual(2);
    expect(first.ratio).toBeGreaterThan(2);
    expect(first.value).toBeGreaterThan(first.expected);
    expect(first.score).toBeGreaterThanOrEqual(first.threshold);
  });

  it('does not fire on an immaterial burst at tiny volume (1 → 2 per bucket for half an hour)', () => {
    const at = 10 * DAY + 100;
    const rows = poisson(12 * DAY, (i) => (i >= at && i < at + 6 ? 2.2 : 1));
    expect(detectSeries(rows)).toEqual([]);
    // The same rise held for two hours is 24 mentions above the usual in the hour: material.
    const held = poisson(12 * DAY, (i) => (i >= at && i < at + 24 ? 3 : 1));
    expect(detectSeries(held).map((s) => s.kind)).toEqual(['open']);
  });

  it('fires at tiny volume when the excess is material (0.2 → 40 per bucket)', () => {
    const at = 10 * DAY + 100;
    const rows = poisson(12 * DAY, (i) => (i >= at && i < at + 12 ? 40 : 0.2));
    expect(detectSeries(rows).map((s) => s.kind)).toEqual(['open']);
  });

  it('ignores falls (an outage of mentions is not a negative spike)', () => {
    const at = 10 * DAY + 100;
    const rows = poisson(12 * DAY, (i) => (i >= at && i < at + 72 ? 2 : 60));
    expect(detectSeries(rows)).toEqual([]);
  });

  it('learns a daily rise that repeats and stops firing on it', () => {
    // 17:00-19:00 UTC every day: 6× the rest of the day.
    const rows = poisson(21 * DAY, (i) => (i % DAY >= 17 * 12 && i % DAY < 19 * 12 ? 180 : 30));
    expect(since(detectSeries(rows), start + 5 * DAY_MS)).toEqual([]);
  });

  it('learns a weekly pattern (quiet weekends) and stops firing on Monday mornings', () => {
    const weekday = (i: number) => Math.floor(i / DAY) % 7 < 5; // the series starts on a Monday
    const rows = poisson(42 * DAY, (i) => (weekday(i) ? 80 : 12));
    expect(since(detectSeries(rows), start + 14 * DAY_MS)).toEqual([]);
  });

  it('learns an hour-of-week shape (busy Saturday nights only) and stops firing on it', () => {
    const satNight = (i: number) => Math.floor(i / DAY) % 7 === 5 && i % DAY >= 20 * 12;
    const rows = poisson(56 * DAY, (i) => (satNight(i) ? 150 : 30));
    const sigs = detectSeries(rows);
    expect(sigs.length).toBeGreaterThan(0); // the first Saturdays are a surprise
    expect(since(sigs, start + 35 * DAY_MS)).toEqual([]);
  });

  it('a brand with daily bursts of its own needs a larger surprise; a larger one still opens', () => {
    const rand = rng(9);
    const burstAt = Array.from({ length: 40 }, () => Math.floor(rand() * (DAY - 12)));
    const big = 30 * DAY + 100;
    const rows = poisson(40 * DAY, (i) => {
      if (i >= big && i < big + 12) return 1500;
      const d = Math.floor(i / DAY);
      const o = i % DAY;
      return o >= burstAt[d]! && o < burstAt[d]! + 3 ? 150 : 40;
    });
    const sigs = detectSeries(rows);
    // Every day has a burst: after the budget has learnt them, they page rarely...
    const quiet = sigs.filter((s) => s.at.getTime() >= start + 14 * DAY_MS && s.at < rows[big]!.at);
    expect(quiet.length).toBeLessThanOrEqual(3);
    // ...and the tenfold-longer, tenfold-larger one pages.
    expect(sigs.some((s) => Math.abs(s.at.getTime() - rows[big]!.at.getTime()) <= 2 * FIVE_MIN)).toBe(true);
  });

  it('re-escalates when a running episode rises markedly, not while it builds up', () => {
    const at = 10 * DAY + 100;
    const rows = poisson(12 * DAY, (i) =>
      i >= at && i < at + 12 ? 300 : i >= at + 12 && i < at + 24 ? 1500 : 30,
    );
    const sigs = detectSeries(rows);
    expect(sigs.map((s) => s.kind)).toEqual(['open', 'escalate']);
    expect(sigs[1]!.at).toEqual(rows[at + 12]!.at);
    expect(sigs[1]!.shift).toBeGreaterThan(sigs[0]!.shift + Math.log(2));
    expect(sigs[1]!.ratio).toBeGreaterThan(2 * sigs[0]!.ratio);
  });

  it('opens a new episode after the cool-down, not inside it', () => {
    const a = 10 * DAY + 100;
    const b = a + 2 * DAY; // two days later: a separate anomaly
    const c = a + 6 * 12; // six hours later: the same one
    const rows = poisson(14 * DAY, (i) =>
      (i >= a && i < a + 12) || (i >= b && i < b + 12) || (i >= c && i < c + 12) ? 400 : 40,
    );
    expect(detectSeries(rows).map((s) => [s.kind, s.at.getTime()])).toEqual([
      ['open', rows[a]!.at.getTime()],
      ['open', rows[b]!.at.getTime()],
    ]);
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

  it('keeps a compact state: an hourly brand after eight weeks fits in a few kilobytes', () => {
    const d = createSpikeDetector({ intervalMs: HOUR });
    for (const r of poisson(56 * 24, (i) => 5 + 4 * Math.sin((i / 24) * 2 * Math.PI), { step: HOUR }))
      d.push(r.at, r.value);
    expect(JSON.stringify(d.state()).length).toBeLessThan(8_000);
  });

  it('rejects a state of another version, or of other scales', () => {
    const v2 = { ...createSpikeDetector().state(), v: 2 } as unknown as SpikeDetectorState;
    expect(() => createSpikeDetector({}, v2)).toThrow(/version 2 is not 3/);
    const raw = createSpikeDetector({ profile: 'raw' }).state();
    expect(() => createSpikeDetector({ profile: 'alert' }, raw)).toThrow(/does not match/);
  });

  it('ignores duplicate or out-of-order buckets', () => {
    const d = createSpikeDetector();
    d.push(new Date(start), 5);
    d.push(new Date(start + FIVE_MIN), 5);
    const before = d.state();
    expect(d.push(new Date(start), 500)).toBeNull();
    expect(d.push(new Date(start + FIVE_MIN), Number.NaN)).toBeNull();
    expect(d.state()).toEqual(before);
  });

  it('places the daily profile in the brand time zone, DST included (IANA zone)', () => {
    // 09:00-11:00 in Paris every day, across the switch to summer time on 2026-03-29.
    const from = Date.UTC(2026, 2, 9);
    const parisHour = (t: number) => {
      const h = Number(
        new Intl.DateTimeFormat('en-US', {
          timeZone: 'Europe/Paris',
          hour: 'numeric',
          hourCycle: 'h23',
        }).format(t),
      );
      return h;
    };
    const rows = poisson(
      35 * 24 * 4,
      (i) => {
        const h = parisHour(from + i * 15 * 60_000);
        return h >= 9 && h < 11 ? 240 : 40;
      },
      { step: 15 * 60_000, from },
    );
    const switchAt = Date.UTC(2026, 2, 29);
    const zoned = detectSeries(rows, { timeZone: 'Europe/Paris' });
    expect(since(zoned, from + 7 * DAY_MS)).toEqual([]);
    // With a fixed winter offset the peak arrives an hour early after the switch: a false alarm.
    const fixed = detectSeries(rows, { utcOffsetMinutes: 60 });
    expect(since(fixed, switchAt).length).toBeGreaterThan(0);
  });

  it('is pure: no clock, no randomness', () => {
    const now = vi.spyOn(Date, 'now').mockImplementation(() => {
      throw new Error('Date.now');
    });
    const random = vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random');
    });
    try {
      const at = 10 * DAY + 100;
      const rows = poisson(12 * DAY, (i) => (i >= at && i < at + 24 ? 400 : 40));
      const d = createSpikeDetector({ timeZone: 'Asia/Shanghai' });
      for (const r of rows) {
        d.peek(r.at, r.value);
        d.push(r.at, r.value);
      }
      expect(detectSeries(rows)).toHaveLength(1);
      expect(now).not.toHaveBeenCalled();
      expect(random).not.toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe('spike detector (raw profile, any metric)', () => {
  it('finds a fall and a rise of a non-count metric, once each', () => {
    const down = 6 * DAY;
    const up = 9 * DAY;
    const rows = metric(12 * DAY, (i) =>
      i >= down && i < down + 24 ? 20 : i >= up && i < up + 24 ? 80 : 40,
    );
    const sigs = detectSeries(rows, { profile: 'raw' });
    expect(sigs.map((s) => [s.kind, s.direction])).toEqual([
      ['open', 'down'],
      ['open', 'up'],
    ]);
    expect(sigs[0]!.at.getTime() - rows[down]!.at.getTime()).toBeLessThanOrEqual(2 * FIVE_MIN);
    expect(sigs[1]!.at.getTime() - rows[up]!.at.getTime()).toBeLessThanOrEqual(2 * FIVE_MIN);
    // The alert profile sees only the rise.
    expect(detectSeries(rows).map((s) => s.direction)).toEqual(['up']);
  });

  it('reports a level shift when it happens, not again every day after', () => {
    const shift = 5 * DAY;
    const rows = metric(14 * DAY, (i) => (i >= shift ? 12 : 6), { noise: 0.03 });
    const sigs = detectSeries(rows, { profile: 'raw' });
    expect(sigs[0]!.at.getTime() - rows[shift]!.at.getTime()).toBeLessThanOrEqual(2 * FIVE_MIN);
    expect(since(sigs, rows[shift]!.at.getTime() + 2 * DAY_MS)).toEqual([]);
  });

  it('handles negative values, gaps and irregular sampling without firing on them', () => {
    const rand = rng(3);
    const rows: { at: Date; value: number }[] = [];
    let t = start;
    for (let i = 0; i < 3000; i++) {
      t += (1 + Math.floor(rand() * 4)) * FIVE_MIN; // 5 to 20 minutes apart
      if (i === 1500) t += 3 * DAY_MS; // a three-day hole
      rows.push({ at: new Date(t), value: -5 + (rand() - 0.5) });
    }
    expect(detectSeries(rows, { profile: 'raw' })).toEqual([]);
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
    // The bucket completes at under twice the partial count: same episode, no new signal.
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

  it('is ready only after the warm-up (48 h for the alert profile)', () => {
    const d = createSpikeDetector({ intervalMs: HOUR });
    expect(d.ready(rows[0]!.at)).toBe(false);
    d.push(rows[0]!.at, rows[0]!.value);
    expect(d.ready(rows[47]!.at)).toBe(false);
    expect(d.ready(rows[48]!.at)).toBe(true);
  });
});

describe('NAB CSV and `earshot detect`', () => {
  const csvOf = (rows: { at: Date | string; value: number }[]) =>
    `timestamp,value\n${rows.map((r) => `${typeof r.at === 'string' ? r.at : formatNabTimestamp(r.at)},${r.value}`).join('\n')}\n`;

  it('parses naive timestamps as UTC', () => {
    expect(parseNabCsv('timestamp,value\n2015-02-26 21:42:53,7\r\n2015-02-26 21:47:53,4.5\n')).toEqual([
      { at: new Date('2015-02-26T21:42:53Z'), value: 7 },
      { at: new Date('2015-02-26T21:47:53Z'), value: 4.5 },
    ]);
    expect(formatNabTimestamp(new Date('2015-02-26T21:42:53Z'))).toBe('2015-02-26 21:42:53');
  });

  it('names the line and column of a bad row', () => {
    expect(() => parseNabCsv('time,count\n')).toThrow(/^1:1: expected a header/);
    expect(() => parseNabCsv('timestamp,value\n2015-02-26 21:42:53,7\nnope,3\n')).toThrow(
      /^3:1: bad timestamp "nope"/,
    );
    expect(() => parseNabCsv('timestamp,value\n2015-02-26 21:42:53,x\n')).toThrow(/^2:21: bad value "x"/);
    expect(() => parseNabCsv('timestamp,value\n2015-02-26 21:42:53,\n')).toThrow(/^2:21: bad value/);
  });

  it('reads repeated and backward timestamps in file order, and flags such rows with their own timestamp', () => {
    // Hourly counts; on day 20 the clock repeats 02:00 (a DST fall-back written in local time)
    // and the burst lands in the repeated hour.
    const rows = poisson(30 * 24, () => 60, { step: HOUR }).map((r) => ({
      at: formatNabTimestamp(r.at),
      value: r.value,
    }));
    const k = 20 * 24 + 3; // 03:00 on day 20, written again as 02:00
    rows[k] = { at: rows[k - 1]!.at, value: 900 };
    const parsed = parseNabCsv(csvOf(rows));
    expect(parsed).toHaveLength(rows.length);
    expect(parsed[k]!.at).toEqual(parsed[k - 1]!.at);
    const out = JSON.parse(runDetectCli(csvOf(rows))) as { profile: string; detections: string[] };
    expect(out.profile).toBe('alert');
    expect(out.detections).toEqual([rows[k]!.at]);
    // A step back of an hour: the rows after it are still read and scored.
    const back = rows.map((r, i) =>
      i >= k && i < k + 3 ? { ...r, at: formatNabTimestamp(new Date(Date.parse(`${r.at}Z`) - 2 * HOUR)) } : r,
    );
    const outBack = JSON.parse(runDetectCli(csvOf(back))) as { detections: string[] };
    expect(outBack.detections).toEqual([back[k]!.at]);
  });

  it('picks the profile from the values unless told: counts → alert, anything else → raw', () => {
    expect(profileFor([{ value: 0 }, { value: 12 }])).toBe('alert');
    expect(profileFor([{ value: 0.5 }, { value: 12 }])).toBe('raw');
    expect(profileFor([{ value: -1 }])).toBe('raw');
    const down = 6 * DAY;
    const rows = metric(10 * DAY, (i) => (i >= down && i < down + 24 ? 20 : 40));
    const auto = JSON.parse(runDetectCli(csvOf(rows))) as { profile: string; detections: string[] };
    expect(auto.profile).toBe('raw');
    expect(auto.detections).toHaveLength(1);
    const counts = rows.map((r) => ({ ...r, value: Math.round(r.value) }));
    expect(JSON.parse(runDetectCli(csvOf(counts))).detections).toEqual([]);
    expect(JSON.parse(runDetectCli(csvOf(counts), { profile: 'raw' })).detections).toHaveLength(1);
  });

  it('prints detections as NAB timestamps', () => {
    const at = 10 * DAY + 100;
    const rows = poisson(12 * DAY, (i) => (i >= at && i < at + 24 ? 400 : 40));
    const out = JSON.parse(runDetectCli(csvOf(rows))) as { detections: string[] };
    expect(out.detections).toEqual([formatNabTimestamp(rows[at]!.at)]);
  });
});
