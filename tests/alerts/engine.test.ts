import { describe, expect, it } from 'vitest';
import { signAckToken, verifyAckToken } from '../../alerts/ack-links.ts';
import { channels } from '../../alerts/channels/index.ts';
import { channelsReached, nextDue, type Policy, quietUntil } from '../../alerts/escalation.ts';
import { grade, gradingFor } from '../../alerts/grade.ts';
import { rulesFor } from '../../alerts/rules.ts';
import { alertsSchema } from '../../alerts/schema.ts';
import { configSchema } from '../../src/config/schema.ts';

const MIN = 60_000;
const T0 = new Date('2026-11-25T08:00:00Z');

describe('grading', () => {
  const defaults = gradingFor(undefined, undefined);
  it('one weak signal stays low; several strong ones reach critical; every factor explains itself', () => {
    expect(grade({ negative: 1, maxFollowers: 200 }, defaults).level).toBe(4);
    const g = grade(
      {
        negative: 300,
        velocityRatio: 20,
        negativeShare: 0.8,
        baselineShare: 0.1,
        intensity: 0.9,
        maxFollowers: 1_000_000,
        platforms: 3,
        crisisScore: 0.9,
      },
      defaults,
    );
    expect(g.level).toBe(1);
    expect(g.score).toBeGreaterThanOrEqual(60);
    expect(g.factors[0]!.points).toBeGreaterThanOrEqual(g.factors.at(-1)!.points);
    for (const f of g.factors)
      expect(f).toMatchObject({
        name: expect.any(String),
        weight: expect.any(Number),
        explanation: expect.any(String),
      });
  });
  it('levels and weights are per brand', () => {
    const input = { negative: 40, velocityRatio: 8, negativeShare: 0.5, baselineShare: 0.15 };
    const base = grade(input, defaults);
    const strict = grade(input, gradingFor(undefined, { levels: { critical: 90, high: 80, medium: 70 } }));
    expect(strict.level).toBeGreaterThan(base.level);
    const noVelocity = grade(input, gradingFor({ weights: { velocity: 0 } }, undefined));
    expect(noVelocity.score).toBeLessThan(base.score);
    // A partial override keeps the other cut-offs: global, then brand, field by field.
    const parsed = alertsSchema(channels).parse({ grading: { levels: { critical: 80 } } }).grading;
    expect(gradingFor(parsed, undefined).levels).toEqual({ critical: 80, high: 40, medium: 25 });
    expect(gradingFor(parsed, { levels: { medium: 10 } }).levels).toEqual({
      critical: 80,
      high: 40,
      medium: 10,
    });
  });
});

describe('escalation timing', () => {
  const policy: Policy = {
    name: 'p',
    steps: [
      { channels: ['cm'], after: 0 },
      { channels: ['lead'], after: 15 * MIN },
      { channels: ['exec'], after: 60 * MIN },
    ],
    repeatAfter: 30 * MIN,
    reminderEvery: 4 * 60 * MIN,
  };
  it('steps fall due relative to the cycle start, and repeat after the last', () => {
    expect(nextDue(policy, 0, T0)).toEqual(new Date(T0.getTime() + 15 * MIN));
    expect(nextDue(policy, 1, new Date(T0.getTime() + 15 * MIN))).toEqual(new Date(T0.getTime() + 60 * MIN));
    expect(nextDue(policy, 2, new Date(T0.getTime() + 60 * MIN))).toEqual(new Date(T0.getTime() + 90 * MIN));
    expect(nextDue({ ...policy, repeatAfter: undefined }, 2, T0)).toBeNull();
    expect(channelsReached(policy, 2)).toEqual(['cm', 'lead']);
    expect(channelsReached(policy, 7)).toEqual(['cm', 'lead', 'exec']);
  });
  it('quiet hours defer until they end, unless the level overrides them', () => {
    const quiet: Policy = {
      ...policy,
      quietHours: { start: '22:00', end: '07:00', timezone: 'Asia/Shanghai', overrideLevel: 1 },
    };
    const night = new Date('2026-11-25T15:30:00Z'); // 23:30 in Shanghai
    expect(quietUntil(quiet, 3, night)).toEqual(new Date('2026-11-25T23:00:00Z'));
    expect(quietUntil(quiet, 1, night)).toBeNull();
    expect(quietUntil(quiet, 3, new Date('2026-11-25T04:00:00Z'))).toBeNull(); // noon
  });
});

describe('ack links', () => {
  const key = Buffer.alloc(32, 7);
  it('verify, expire, and resist forgery', () => {
    const t = signAckToken(key, {
      incidentId: 'inc_abc',
      generation: 2,
      expiresAt: new Date(T0.getTime() + MIN),
    });
    expect(verifyAckToken(key, t, T0)).toMatchObject({ ok: true, incidentId: 'inc_abc', generation: 2 });
    expect(verifyAckToken(key, t, new Date(T0.getTime() + 2 * MIN))).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(verifyAckToken(Buffer.alloc(32, 8), t, T0)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyAckToken(key, t.replace('inc_abc', 'inc_abd'), T0)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(verifyAckToken(key, 'garbage', T0)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('alerts config grammar', () => {
  it('validates channels against the registry, policies against channels, and merges per-brand rule overrides', () => {
    const plugins = { collectors: [], channels, classifiers: [] };
    const cfg = configSchema(plugins).parse({
      brands: [
        {
          name: 'Acme',
          query: 'acme',
          alerts: {
            policy: 'pr',
            rules: { 'negative-spike': { minAuthors: 8 } },
            grading: { levels: { critical: 70, high: 50, medium: 30 } },
          },
        },
      ],
      alerts: {
        channels: [{ name: 'cm', type: 'slack', options: { url: 'https://hooks.slack.com/services/T/B/X' } }],
        policies: [
          {
            name: 'pr',
            steps: [{ channels: ['cm'] }],
            quietHours: { start: '22:00', end: '07:00', timezone: 'Asia/Shanghai' },
          },
        ],
        rules: { 'negative-spike': { minNegative: 20, window: '30m' } },
      },
    });
    const r = rulesFor(cfg.alerts, cfg.brands[0]!.alerts)['negative-spike'];
    expect(r).toMatchObject({ minNegative: 20, minAuthors: 8, window: 30 * MIN, ratio: 3, settle: 30 * MIN });
    expect(r.detector).toEqual({});
    const tuned = alertsSchema(channels).parse({
      rules: { 'negative-spike': { settle: '15m', detector: { minExcess: 15, utcOffsetMinutes: 480 } } },
    });
    expect(rulesFor(tuned, undefined)['negative-spike']).toMatchObject({
      settle: 15 * MIN,
      detector: { minExcess: 15, utcOffsetMinutes: 480 },
    });
    const unknown = alertsSchema(channels).safeParse({
      rules: { 'negative-spike': { detector: { intervalMs: 1 } } },
    });
    expect(unknown.error?.issues.map((i) => i.path.join('.'))).toEqual(['rules.negative-spike.detector']);
    const bad = alertsSchema(channels).safeParse({
      channels: [{ name: 'x', type: 'carrier-pigeon' }],
      policies: [{ name: 'p', steps: [{ channels: ['nope'] }] }],
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['channels.0.type', 'policies.0.steps.0.channels.0']),
    );
    expect(
      configSchema(plugins).safeParse({ brands: [{ name: 'A', query: 'a', alerts: { policy: 'ghost' } }] })
        .success,
    ).toBe(false);
  });
});
