import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channels } from '../../../alerts/channels/index.ts';
import type { ChannelDefinition, DeliveryResult } from '../../../alerts/types.ts';
import { type HttpSink, type SinkReply, startHttpSink } from '../../helpers/http-sink.ts';
import { type SmtpReply, type SmtpSink, startSmtpSink } from '../../helpers/smtp-sink.ts';
import { makeCtx, makeMessage } from './factories.ts';

/**
 * Every registered channel against its sink: accepted, rejected (4xx / SMTP 5xx),
 * rate limited (429 + Retry-After / SMTP 421), unavailable (5xx / SMTP 451) and a
 * server that never answers. A channel without an entry here fails the first test.
 */
type Config = { options: unknown; secrets: Record<string, string> };
type Entry =
  | { transport: 'http'; config(sink: HttpSink): Config; accepted: SinkReply }
  | { transport: 'smtp'; config(sink: SmtpSink): Config };

const json = (v: unknown): string => JSON.stringify(v);

const TABLE: Record<string, Entry> = {
  webhook: {
    transport: 'http',
    config: (s) => ({ options: { url: `${s.url}/hook` }, secrets: { secret: 'whsec' } }),
    accepted: { status: 204 },
  },
  slack: {
    transport: 'http',
    config: (s) => ({ options: { url: `${s.url}/services/T0/B0/x` }, secrets: {} }),
    accepted: { status: 200, body: 'ok' },
  },
  teams: {
    transport: 'http',
    config: (s) => ({ options: { url: `${s.url}/workflows/x` }, secrets: {} }),
    accepted: { status: 202 },
  },
  feishu: {
    transport: 'http',
    config: (s) => ({ options: { url: `${s.url}/open-apis/bot/v2/hook/x` }, secrets: { secret: 'fs' } }),
    accepted: { status: 200, body: json({ code: 0, msg: 'success', data: {} }) },
  },
  dingtalk: {
    transport: 'http',
    config: (s) => ({ options: { url: `${s.url}/robot/send?access_token=t` }, secrets: { secret: 'SEC1' } }),
    accepted: { status: 200, body: json({ errcode: 0, errmsg: 'ok' }) },
  },
  wecom: {
    transport: 'http',
    config: (s) => ({ options: { url: `${s.url}/cgi-bin/webhook/send?key=k` }, secrets: {} }),
    accepted: { status: 200, body: json({ errcode: 0, errmsg: 'ok' }) },
  },
  pagerduty: {
    transport: 'http',
    config: (s) => ({ options: { url: `${s.url}/v2/enqueue` }, secrets: { routingKey: 'R0' } }),
    accepted: {
      status: 202,
      body: json({ status: 'success', message: 'Event processed', dedup_key: 'inc_test1' }),
    },
  },
  email: {
    transport: 'smtp',
    config: (s) => ({
      options: { host: s.host, port: s.port, from: 'alerts@earshot.example', to: ['ops@example.com'] },
      secrets: {},
    }),
  },
};

type Scenario = 'accepted' | 'rejected' | 'rate-limited' | 'unavailable' | 'timeout';
const HTTP: Record<Exclude<Scenario, 'accepted' | 'timeout'>, SinkReply> = {
  rejected: { status: 400, body: 'invalid_payload' },
  'rate-limited': { status: 429, headers: { 'retry-after': '7' }, body: 'slow down' },
  unavailable: { status: 503, body: 'maintenance' },
};
const SMTP: Record<Exclude<Scenario, 'timeout'>, SmtpReply> = {
  accepted: 'ok',
  rejected: { code: 550, message: 'mailbox unavailable' },
  'rate-limited': { code: 421, message: 'too many messages, try later' },
  unavailable: { code: 451, message: 'local error' },
};

async function attempt(
  channel: ChannelDefinition,
  entry: Entry,
  scenario: Scenario,
  sinks: { http: HttpSink; smtp: SmtpSink },
): Promise<DeliveryResult> {
  const ctx = makeCtx();
  const cfg = entry.transport === 'http' ? entry.config(sinks.http) : entry.config(sinks.smtp);
  const opts = channel.options.parse(cfg.options);
  ctx.secrets = cfg.secrets;
  if (entry.transport === 'http') {
    sinks.http.reply(
      scenario === 'timeout' ? 'hang' : scenario === 'accepted' ? entry.accepted : HTTP[scenario],
    );
  } else {
    sinks.smtp.reply(scenario === 'timeout' ? 'hang' : SMTP[scenario]);
  }
  const pending = channel.send(ctx, opts, makeMessage());
  if (scenario === 'timeout') {
    // Wait on state (the request reached the sink), then move time past any deadline.
    if (entry.transport === 'http') await sinks.http.request(0);
    else await sinks.smtp.attempt(0);
    ctx.clock.advance(120_000);
  }
  return pending;
}

describe('channel contract', () => {
  let sinks: { http: HttpSink; smtp: SmtpSink };
  beforeEach(async () => {
    sinks = { http: await startHttpSink(), smtp: await startSmtpSink() };
  });
  afterEach(async () => {
    await sinks.http.close();
    await sinks.smtp.close();
  });

  it('has a test config for every registered channel', () => {
    expect(channels.map((c) => c.id).filter((id) => !TABLE[id])).toEqual([]);
  });

  for (const channel of channels as readonly ChannelDefinition[]) {
    describe(channel.id, () => {
      const entry = () => {
        const e = TABLE[channel.id];
        if (!e) throw new Error(`no contract config for channel ${channel.id}`);
        return e;
      };

      it('returns ok when the provider accepts', async () => {
        const r = await attempt(channel, entry(), 'accepted', sinks);
        expect(r).toMatchObject({ ok: true });
        if (entry().transport === 'http') expect(sinks.http.requests).toHaveLength(1);
        else expect(sinks.smtp.mails).toHaveLength(1);
      });

      it('does not retry a rejection (4xx)', async () => {
        const r = await attempt(channel, entry(), 'rejected', sinks);
        expect(r).toMatchObject({ ok: false, retry: false });
        if (!r.ok) expect(r.error).toBeTruthy();
      });

      it('retries when rate limited, honouring Retry-After', async () => {
        const r = await attempt(channel, entry(), 'rate-limited', sinks);
        expect(r).toMatchObject({ ok: false, retry: true });
        // SMTP has no Retry-After; HTTP channels must pass the provider's on.
        if (entry().transport === 'http' && !r.ok) {
          expect(r.retryAfterMs).toBe(7000);
          expect(r.status).toBe(429);
        }
      });

      it('retries when the provider is unavailable (5xx)', async () => {
        const r = await attempt(channel, entry(), 'unavailable', sinks);
        expect(r).toMatchObject({ ok: false, retry: true });
      });

      it('retries after a timeout, without throwing', async () => {
        const r = await attempt(channel, entry(), 'timeout', sinks);
        expect(r).toMatchObject({ ok: false, retry: true });
        if (!r.ok) expect(r.error).toMatch(/timeout/i);
      });
    });
  }
});
