import type { AlertIncident, AlertMention, AlertMessage, ChannelContext } from '../../../alerts/types.ts';
import { FakeClock } from '../../../src/clock.ts';
import { silentLogger } from '../../../src/log.ts';
import { type GuardOptions, resolveGuarded } from '../../../src/net/guard.ts';
import { createTestHttpClient } from '../../helpers/http-sink.ts';

export const T0 = new Date('2026-03-01T08:00:00Z');

/** Post text written to break every target format at once. */
export const HOSTILE_TEXT =
  '<!channel> @all <@U123> 太差了!! [click here](javascript:alert(1)) ![x](https://evil.example/p.png) https://evil.example/login **bold** <script>alert(1)</script> <font color="warning">x</font> & done';

export function makeMention(over: Partial<AlertMention> = {}): AlertMention {
  return {
    url: 'https://social.example/p/1',
    authorHandle: 'angry_user',
    authorName: 'Angry <b>User</b>',
    text: HOSTILE_TEXT,
    platform: 'weibo',
    publishedAt: '2026-03-01T07:55:00Z',
    sentiment: 'negative',
    reach: 12000,
    ...over,
  };
}

export function makeIncident(over: Partial<AlertIncident> = {}): AlertIncident {
  return {
    id: 'inc_test1',
    brandName: 'Acme',
    rule: 'negative-spike',
    level: 1,
    title: 'negative spike',
    status: 'open',
    openedAt: '2026-03-01T07:50:00Z',
    factors: [
      { name: 'negative share', value: 0.62, weight: 3.1, explanation: '62% negative vs 12% baseline' },
      { name: 'volume', value: 340, explanation: '4.2× the hourly baseline' },
    ],
    mentions: [
      makeMention(),
      makeMention({
        url: 'https://social.example/p/2',
        authorHandle: 'b2',
        authorName: undefined,
        text: '产品质量问题 😡 需要退款',
      }),
    ],
    counts: { mentions: 340, negative: 211, authors: 190 },
    dashboardUrl: 'https://earshot.example/incidents/inc_test1',
    ackUrl: 'https://earshot.example/ack/inc_test1?sig=abc',
    ...over,
  };
}

export function makeMessage(over: Partial<AlertMessage> = {}): AlertMessage {
  return {
    kind: 'alert',
    id: 'dlv_test1',
    incident: makeIncident(),
    locale: 'bilingual',
    createdAt: '2026-03-01T08:00:00Z',
    ...over,
  };
}

/** A message far over every channel's size limit. */
export function makeHugeMessage(): AlertMessage {
  const text = `${'舆情爆发 😡 '.repeat(400)}${HOSTILE_TEXT}`;
  return makeMessage({
    incident: makeIncident({
      mentions: Array.from({ length: 40 }, (_, i) =>
        makeMention({ url: `https://social.example/p/${i}`, text }),
      ),
      factors: Array.from({ length: 30 }, (_, i) => ({
        name: `factor ${i}`,
        value: i,
        explanation: '原因 '.repeat(50),
      })),
    }),
  });
}

export function makeCtx(
  opts: {
    clock?: FakeClock;
    secrets?: Record<string, string>;
    signal?: AbortSignal;
    /** The SSRF guard of non-HTTP channels; tests talk to local sinks, so private is allowed by default. */
    guard?: GuardOptions;
  } = {},
): ChannelContext & { clock: FakeClock } {
  const clock = opts.clock ?? new FakeClock(T0);
  return {
    http: createTestHttpClient({ clock }),
    clock,
    log: silentLogger(),
    secrets: opts.secrets ?? {},
    resolveHost: (host) => resolveGuarded(host, opts.guard ?? { allowPrivateNetwork: true }),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}
