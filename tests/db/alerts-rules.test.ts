import { describe, expect, it } from 'vitest';
import { runDigests } from '../../alerts/digest.ts';
import { createAlertEngine } from '../../alerts/engine.ts';
import type { AlertMessage } from '../../alerts/types.ts';
import type { MentionInput } from '../../src/mention.ts';
import { alertConfig, HOUR, MIN, seedHistory, T0, useAlertsHarness } from '../alerts/harness.ts';
import { makeMention } from '../helpers/harness.ts';

/** Acme, plus Globex which turns its daily digest off. */
const t = useAlertsHarness((url) => {
  const c = alertConfig(url);
  return {
    ...c,
    brands: [...c.brands, { name: 'Globex', query: 'globex', alerts: { digests: { daily: false } } }],
  };
});

const byRule = async (rule: string) => (await t.incidents()).filter((i) => i.rule === rule);
const at = (ms: number) => new Date(T0.getTime() + ms).toISOString();
/** The same post seen again by a re-poll, with new engagement counts. */
const repoll = (m: MentionInput, metrics: MentionInput['metrics']) => t.ingest([{ ...m, metrics }]);

describe('viral negative: engagement velocity across re-polls', () => {
  it('a negative post gaining engagement fast opens one incident that later re-polls join', async () => {
    const post = makeMention({
      text: 'acme is awful, my refund was refused',
      publishedAt: at(-HOUR),
      metrics: { likes: 10 },
    });
    t.clock.set(T0.getTime() - 50 * MIN);
    await t.ingest([post]);
    t.clock.set(T0.getTime());
    // One snapshot: 300 likes + 2×50 shares = 400 in the hour since publication.
    await repoll(post, { likes: 300, shares: 50 });
    const [inc, ...more] = await byRule('viral-negative');
    expect(more).toHaveLength(0);
    const engagement = (inc!.factors as { name: string; value: number }[]).find(
      (f) => f.name === 'engagement',
    );
    expect(engagement?.value).toBe(400);
    // Two snapshots: +420 in 30 minutes.
    t.clock.set(T0.getTime() + 30 * MIN);
    await repoll(post, { likes: 700, shares: 60 });
    expect(await byRule('viral-negative')).toHaveLength(1);
    expect((await t.rows()).map((r) => r.kind)).toEqual(['alert']);
  });

  it('slow growth between re-polls does not fire, however large the post', async () => {
    const post = makeMention({
      text: 'acme awful support',
      publishedAt: at(-48 * HOUR),
      metrics: { likes: 4000 },
    });
    t.clock.set(T0.getTime() - HOUR);
    await t.ingest([post]);
    t.clock.set(T0.getTime());
    await repoll(post, { likes: 5000 }); // 5000 over 48 h ≈ 104/h
    t.clock.set(T0.getTime() + HOUR);
    await repoll(post, { likes: 5100 }); // +100 in the hour
    expect(await byRule('viral-negative')).toHaveLength(0);
  });

  it('a large post first collected long after publication is not viral on its first re-poll', async () => {
    // Backfilled 5 h after publication with 2000 likes, +10 at the first re-poll: 402/h on
    // average since publication, but not growing now.
    const post = makeMention({
      text: 'acme awful packaging',
      publishedAt: at(-5 * HOUR),
      metrics: { likes: 2000 },
    });
    t.clock.set(T0.getTime() - 10 * MIN);
    await t.ingest([post]);
    t.clock.set(T0.getTime());
    await repoll(post, { likes: 2010 });
    expect(await byRule('viral-negative')).toHaveLength(0);
    // Judged between two snapshots from the next re-poll: now it takes off.
    t.clock.set(T0.getTime() + 30 * MIN);
    await repoll(post, { likes: 2400 });
    expect(await byRule('viral-negative')).toHaveLength(1);
  });

  it('fast growth on a positive post, or under the engagement floor, does not fire', async () => {
    const happy = makeMention({ text: 'acme is lovely', publishedAt: at(-HOUR), metrics: { likes: 1 } });
    const small = makeMention({ text: 'acme awful lid', publishedAt: at(-10 * MIN), metrics: { likes: 1 } });
    t.clock.set(T0.getTime() - 10 * MIN);
    await t.ingest([happy, small]);
    t.clock.set(T0.getTime());
    await t.ingest([
      { ...happy, metrics: { likes: 5000 } },
      { ...small, metrics: { likes: 150 } }, // 900/h, but 150 < minEngagement (200)
    ]);
    expect(await byRule('viral-negative')).toHaveLength(0);
  });
});

describe('influential negative: crisis language counts whatever the sentiment label', () => {
  const factor = (inc: { factors: unknown }, name: string) =>
    (inc.factors as { name: string; value: number; strength: number; explanation: string }[]).find(
      (f) => f.name === name,
    );

  it('a high-reach crisis post read as neutral opens one incident graded on its crisis score and reach', async () => {
    // The fake classifier reads "meh" as neutral and "recall" as crisis language (score 0.9).
    await t.ingest([
      makeMention({
        text: 'acme meh: the kettle recall is expanding',
        publishedAt: at(-10 * MIN),
        author: { handle: 'reporter', followers: 1_250_000, verified: true },
      }),
    ]);
    const [inc, ...more] = await byRule('influential-negative');
    expect(more).toHaveLength(0);
    expect(factor(inc!, 'crisis')).toMatchObject({ value: 0.9 });
    // One post, but before 1.25M followers: the audience scores as volume, not the count.
    expect(factor(inc!, 'volume')!.strength).toBeGreaterThan(0.7);
    expect(factor(inc!, 'volume')!.explanation).toMatch(/reaching 1,250,000 followers/);
    expect(factor(inc!, 'intensity')).toMatchObject({ value: 0.9 });
    expect(inc!.level).toBeLessThanOrEqual(2);
  });

  it('a neutral post without crisis language, or crisis language from a small account, does not fire', async () => {
    await t.ingest([
      makeMention({
        text: 'acme meh, new colours out today',
        publishedAt: at(-10 * MIN),
        author: { handle: 'reporter', followers: 1_250_000, verified: true },
      }),
      makeMention({
        text: 'acme meh: the kettle recall is expanding',
        publishedAt: at(-5 * MIN),
        author: { handle: 'nobody', followers: 40 },
      }),
    ]);
    expect(await byRule('influential-negative')).toHaveLength(0);
  });

  it('minCrisisScore 1 keeps the rule to negative labels', async () => {
    await t.engine.stop();
    const c = alertConfig(t.sink.url, { rules: { 'influential-negative': { minCrisisScore: 1 } } });
    t.deps = await t.build(c);
    t.engine = createAlertEngine(t.deps, { publicUrl: 'https://earshot.example' });
    await t.ingest([
      makeMention({
        text: 'acme meh: the kettle recall is expanding',
        publishedAt: at(-10 * MIN),
        author: { handle: 'reporter', followers: 1_250_000, verified: true },
      }),
    ]);
    expect(await byRule('influential-negative')).toHaveLength(0);
  });
});

describe('sentiment drop: net sentiment over the last day against the previous week', () => {
  const dayStart = new Date(T0.getTime() - 23 * HOUR); // the last 24 hourly buckets end with the current one
  const weekBefore = new Date(dayStart.getTime() - 7 * 24 * HOUR);

  it('a day markedly more negative than the week before opens one incident, explained', async () => {
    await seedHistory(t, { from: weekBefore, to: dayStart, negative: 1, positive: 5 }); // net +0.67
    await seedHistory(t, { from: dayStart, to: T0, negative: 3, positive: 3 }); // net 0
    await t.engine.tick();
    const [inc, ...more] = await byRule('sentiment-drop');
    expect(more).toHaveLength(0);
    const net = (inc!.factors as { name: string; value: number; explanation: string }[]).find(
      (f) => f.name === 'net-sentiment',
    );
    expect(net).toMatchObject({ value: 0 });
    expect(net!.explanation).toMatch(/net sentiment 0 over the last day vs 67 over the previous 7 days/);
    expect(await t.incidents()).toHaveLength(1); // the spike rule stays quiet: 3 an hour is no spike
    // Evaluated again on a later tick: the same incident, no new alert (only the policy's next step).
    t.clock.set(T0.getTime() + 20 * MIN);
    await t.engine.tick();
    expect(await byRule('sentiment-drop')).toHaveLength(1);
    expect((await t.rows()).map((r) => [r.channel, r.kind])).toEqual([
      ['ops', 'alert'],
      ['lead', 'escalation'],
    ]);
  });

  it('a steady brand, or a drop on too few mentions, does not fire', async () => {
    await seedHistory(t, { from: weekBefore, to: T0, negative: 1, positive: 5 });
    await t.engine.tick();
    expect(await t.incidents()).toHaveLength(0);
    await t.ingest(
      Array.from({ length: 25 }, (_, i) =>
        makeMention({
          text: `globex awful ${i}`,
          publishedAt: at(-i * HOUR * 0.5),
          author: { handle: `g${i}` },
        }),
      ),
    );
    t.clock.set(T0.getTime() + 20 * MIN);
    await t.engine.tick(); // Globex: 25 negatives today (under minMentions 30), nothing before
    expect(await t.incidents()).toHaveLength(0);
  });
});

describe('digests', () => {
  it('daily and weekly per brand: totals, incidents opened and top negative mentions, sent once', async () => {
    await seedHistory(t, {
      from: new Date(T0.getTime() - 20 * HOUR),
      to: new Date(T0.getTime() - 2 * HOUR),
      negative: 1,
      positive: 2,
    });
    t.clock.set(T0.getTime() - 3 * HOUR);
    await t.ingest([
      makeMention({
        text: 'acme awful, and I have two million readers',
        publishedAt: at(-3 * HOUR),
        author: { handle: 'star', followers: 2_000_000 },
      }),
    ]);
    expect(await byRule('influential-negative')).toHaveLength(1);
    await t.engine.dispatcher.drain();
    t.sink.requests.length = 0;

    t.clock.set(T0.getTime() + HOUR); // 09:00, the default daily schedule
    const now = t.clock.now();
    expect(await runDigests(t.engine.ctx, 'daily', now)).toBe(1); // Acme only: Globex turned its daily off
    expect(await runDigests(t.engine.ctx, 'daily', now)).toBe(0); // a re-run sends nothing twice
    expect(await runDigests(t.engine.ctx, 'weekly', now)).toBe(2);
    await t.engine.dispatcher.drain();

    const digests = t.sink.requests.map((r) => r.json<AlertMessage>()).filter((m) => m.kind === 'digest');
    expect(digests).toHaveLength(3);
    const daily = digests.find((m) => m.digest?.period.label === 'daily')!;
    expect(t.sink.requests.every((r) => r.path === '/ops')).toBe(true);
    expect(daily.digest).toMatchObject({
      brandName: 'Acme',
      period: { from: at(HOUR - 24 * HOUR), to: at(HOUR) },
      totals: { mentions: 55, negative: 19, positive: 36, neutral: 0, incidents: 1 },
    });
    expect(daily.digest!.topIncidents[0]).toMatchObject({ level: expect.any(Number), status: 'open' });
    expect(daily.digest!.topMentions[0]).toMatchObject({ authorHandle: 'star', reach: 2_000_000 });
    expect(daily.digest!.topMentions.every((m) => m.sentiment === 'negative')).toBe(true);
    const weekly = digests.filter((m) => m.digest?.period.label === 'weekly');
    expect(weekly.map((m) => m.digest!.brandName).sort()).toEqual(['Acme', 'Globex']);
    expect(weekly.find((m) => m.digest!.brandName === 'Acme')!.digest!.totals.mentions).toBe(55);
  });
});
