import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pagerduty, pagerdutyEvent } from '../../../alerts/channels/pagerduty.ts';
import { type HttpSink, startHttpSink } from '../../helpers/http-sink.ts';
import { makeCtx, makeHugeMessage, makeIncident, makeMessage } from './factories.ts';

const accepted = {
  status: 202,
  body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: 'inc_test1' }),
};

describe('pagerduty channel', () => {
  let sink: HttpSink;
  beforeEach(async () => {
    sink = await startHttpSink();
    sink.reply(accepted);
  });
  afterEach(() => sink.close());
  const ctx = () => makeCtx({ secrets: { routingKey: 'R0UTING' } });
  const opts = () => pagerduty.options.parse({ url: `${sink.url}/v2/enqueue` });

  it('triggers an Events API v2 event deduplicated by incident id', async () => {
    const r = await pagerduty.send(ctx(), opts(), makeMessage());
    expect(r).toEqual({ ok: true, providerId: 'inc_test1' });
    const req = await sink.request();
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v2/enqueue');
    const e = req.json<{ links: unknown[]; payload: { custom_details: { factors: unknown[] } } }>();
    expect(e).toMatchObject({
      routing_key: 'R0UTING',
      event_action: 'trigger',
      dedup_key: 'inc_test1',
      payload: {
        summary: '红色预警 / Critical — Acme: negative spike',
        source: 'earshot',
        severity: 'critical',
        timestamp: '2026-03-01T08:00:00.000Z',
        component: 'Acme',
        group: 'negative-spike',
        class: 'alert',
      },
    });
    expect(e.payload.custom_details.factors).toHaveLength(2);
    expect(e.links[0]).toEqual({
      href: 'https://earshot.example/ack/inc_test1?sig=abc',
      text: '确认 / Acknowledge',
    });
    expect(JSON.stringify(e)).not.toMatch(/https:\/\/evil|@all/);
  });

  it('maps levels to severities and caps the summary at 1024 chars', () => {
    const sev = ([1, 2, 3, 4] as const).map(
      (level) =>
        (
          pagerdutyEvent(makeMessage({ incident: makeIncident({ level }) }), 'k', 's').payload as {
            severity: string;
          }
        ).severity,
    );
    expect(sev).toEqual(['critical', 'error', 'warning', 'info']);
    const long = makeMessage({ incident: makeIncident({ title: 'x'.repeat(5000) }) });
    expect(
      (pagerdutyEvent(long, 'k', 's').payload as { summary: string }).summary.length,
    ).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(JSON.stringify(pagerdutyEvent(makeHugeMessage(), 'k', 's')))).toBeLessThan(
      512 * 1024,
    );
  });

  it('resolves on a resolved message and acknowledges an acknowledged incident', async () => {
    await pagerduty.send(
      ctx(),
      opts(),
      makeMessage({ kind: 'resolved', incident: makeIncident({ status: 'resolved' }) }),
    );
    expect((await sink.request(0)).json()).toEqual({
      routing_key: 'R0UTING',
      event_action: 'resolve',
      dedup_key: 'inc_test1',
    });
    await pagerduty.send(
      ctx(),
      opts(),
      makeMessage({ kind: 'reminder', incident: makeIncident({ status: 'acknowledged' }) }),
    );
    expect((await sink.request(1)).json()).toEqual({
      routing_key: 'R0UTING',
      event_action: 'acknowledge',
      dedup_key: 'inc_test1',
    });
  });

  it('skips digests and incidents below minLevel without a request', async () => {
    expect(
      await pagerduty.send(ctx(), opts(), makeMessage({ kind: 'digest', incident: undefined })),
    ).toMatchObject({ ok: true, skipped: expect.any(String) });
    const o = pagerduty.options.parse({ url: sink.url, minLevel: 2 });
    expect(
      await pagerduty.send(ctx(), o, makeMessage({ incident: makeIncident({ level: 3 }) })),
    ).toMatchObject({ ok: true, skipped: expect.any(String) });
    expect(sink.requests).toHaveLength(0);
  });

  it('fails permanently without a routing key or on 400, and retries a 429', async () => {
    expect(await pagerduty.send(makeCtx(), opts(), makeMessage())).toMatchObject({ ok: false, retry: false });
    sink.reply({
      status: 400,
      body: JSON.stringify({ status: 'invalid event', errors: ['Event object is invalid'] }),
    });
    expect(await pagerduty.send(ctx(), opts(), makeMessage())).toMatchObject({
      ok: false,
      retry: false,
      status: 400,
    });
    sink.reply({ status: 429, body: '' });
    expect(await pagerduty.send(ctx(), opts(), makeMessage())).toMatchObject({
      ok: false,
      retry: true,
      status: 429,
    });
  });
});
