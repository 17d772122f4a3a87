import { describe, expect, it } from 'vitest';
import { createSpikeDetector, detectSeries, parseNabCsv, runDetectCli } from '../../alerts/spike.ts';

const FIVE_MIN = 300_000;
const start = Date.UTC(2026, 0, 1);

/** Deterministic Poisson-ish noise around `mean`. */
function series(n: number, mean: (i: number) => number, seed = 42) {
  let s = seed;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: n }, (_, i) => {
    const m = mean(i);
    let k = 0;
    let p = Math.exp(-m);
    let acc = p;
    const u = rand();
    while (u > acc && k < 10_000) {
      k++;
      p *= m / k;
      acc += p;
    }
    return { at: new Date(start + i * FIVE_MIN), value: k };
  });
}

const DAYS = 288;

describe('spike detector', () => {
  it('stays quiet on steady noise', () => {
    expect(detectSeries(series(7 * DAYS, () => 40))).toEqual([]);
  });

  it('opens once, within a few buckets, on a tenfold burst', () => {
    const at = 4 * DAYS;
    const rows = series(6 * DAYS, (i) => (i >= at && i < at + 24 ? 400 : 40));
    const sigs = detectSeries(rows);
    expect(sigs.filter((s) => s.kind === 'open')).toHaveLength(1);
    const first = sigs[0]!;
    expect((first.at.getTime() - rows[at]!.at.getTime()) / FIVE_MIN).toBeLessThanOrEqual(3);
    expect(first.ratio).toBeGreaterThan(5);
  });

  it('ignores a burst at tiny volume (1 → 3)', () => {
    const rows = series(5 * DAYS, (i) => (i >= 3 * DAYS && i < 3 * DAYS + 12 ? 3 : 1));
    expect(detectSeries(rows)).toEqual([]);
  });

  it('learns a daily rise that repeats and stops firing on it', () => {
    const rows = series(14 * DAYS, (i) => (i % DAYS >= 200 && i % DAYS < 230 ? 200 : 30));
    const late = detectSeries(rows).filter((s) => s.at.getTime() > start + 7 * DAYS * FIVE_MIN);
    expect(late).toEqual([]);
  });

  it('re-escalates when a running episode rises markedly', () => {
    const at = 4 * DAYS;
    const rows = series(6 * DAYS, (i) =>
      i >= at && i < at + 6 ? 300 : i >= at + 6 && i < at + 18 ? 1500 : 30,
    );
    const kinds = detectSeries(rows).map((s) => s.kind);
    expect(kinds).toEqual(['open', 'escalate']);
  });

  it('state survives JSON and continues identically', () => {
    const rows = series(5 * DAYS, (i) => (i >= 4 * DAYS && i < 4 * DAYS + 10 ? 500 : 50));
    const whole = detectSeries(rows).map((s) => s.at.getTime());
    const a = createSpikeDetector();
    const got: number[] = [];
    for (const r of rows.slice(0, 3 * DAYS)) a.push(r.at, r.value);
    const b = createSpikeDetector({}, JSON.parse(JSON.stringify(a.state())));
    for (const r of rows.slice(3 * DAYS)) {
      const s = b.push(r.at, r.value);
      if (s) got.push(s.at.getTime());
    }
    expect(got).toEqual(whole);
  });

  it('parses NAB CSV and names a bad line', () => {
    expect(parseNabCsv('timestamp,value\n2015-02-26 21:42:53,7\n2015-02-26 21:47:53,4\n')).toEqual([
      { at: new Date('2015-02-26T21:42:53Z'), value: 7 },
      { at: new Date('2015-02-26T21:47:53Z'), value: 4 },
    ]);
    expect(() => parseNabCsv('timestamp,value\n2015-02-26 21:42:53,7\nnope,3\n')).toThrow(/line 3/);
    expect(() => parseNabCsv('timestamp,value\n2015-02-26 21:42:53,x\n')).toThrow(/line 2: bad value/);
  });

  it('prints detections as NAB timestamps for the CLI', () => {
    const rows = series(6 * DAYS, (i) => (i >= 4 * DAYS && i < 4 * DAYS + 24 ? 400 : 40));
    const csv = `timestamp,value\n${rows.map((r) => `${r.at.toISOString().slice(0, 19).replace('T', ' ')},${r.value}`).join('\n')}\n`;
    const out = JSON.parse(runDetectCli(csv)) as { detections: string[] };
    expect(out.detections).toHaveLength(1);
    expect(out.detections[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });
});
