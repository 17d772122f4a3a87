import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webhook, webhookBody } from '../../../alerts/channels/webhook.ts';
import { type HttpSink, startHttpSink } from '../../helpers/http-sink.ts';
import { makeCtx, makeHugeMessage, makeMessage, T0 } from './factories.ts';

/** The receiver's recipe from docs/channels.md, written independently of the channel. */
function verify(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  nowSec: number,
): boolean {
  const ts = String(headers['x-earshot-timestamp']);
  const sig = String(headers['x-earshot-signature']);
  if (Math.abs(nowSec - Number(ts)) > 300) return false;
  const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${rawBody}`).digest('hex')}`;
  return sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
}

describe('webhook channel', () => {
  let sink: HttpSink;
  beforeEach(async () => {
    sink = await startHttpSink();
  });
  afterEach(() => sink.close());

  it('POSTs the AlertMessage as JSON with signature, timestamp and delivery headers', async () => {
    const message = makeMessage();
    const r = await webhook.send(
      makeCtx({ secrets: { secret: 'whsec_1' } }),
      webhook.options.parse({ url: `${sink.url}/in` }),
      message,
    );
    expect(r).toEqual({ ok: true, providerId: 'dlv_test1' });
    const req = await sink.request();
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/in');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req.json()).toEqual(message);
    expect(req.headers['x-earshot-timestamp']).toBe(String(T0.getTime() / 1000));
    expect(req.headers['x-earshot-delivery']).toBe('dlv_test1');
    expect(req.headers['x-earshot-event']).toBe('alert');
    expect(req.headers['x-earshot-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify('whsec_1', req.headers, req.body, T0.getTime() / 1000)).toBe(true);
    expect(verify('wrong', req.headers, req.body, T0.getTime() / 1000)).toBe(false);
    expect(verify('whsec_1', req.headers, req.body.replace('Acme', 'Acmf'), T0.getTime() / 1000)).toBe(false);
  });

  it('sends no signature header without a secret', async () => {
    await webhook.send(makeCtx(), webhook.options.parse({ url: sink.url }), makeMessage());
    expect((await sink.request()).headers['x-earshot-signature']).toBeUndefined();
  });

  it('trims mentions to stay under the size limit', () => {
    const body = webhookBody(makeHugeMessage(), 64 * 1024);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(64 * 1024);
    expect(JSON.parse(body).incident.brandName).toBe('Acme');
  });
});
