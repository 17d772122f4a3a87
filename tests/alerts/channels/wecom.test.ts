import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wecom, wecomPayload } from '../../../alerts/channels/wecom.ts';
import { type HttpSink, startHttpSink } from '../../helpers/http-sink.ts';
import { makeCtx, makeHugeMessage, makeMessage } from './factories.ts';

describe('wecom channel', () => {
  let sink: HttpSink;
  beforeEach(async () => {
    sink = await startHttpSink();
    sink.reply({ status: 200, body: JSON.stringify({ errcode: 0, errmsg: 'ok' }) });
  });
  afterEach(() => sink.close());

  it('posts markdown content', async () => {
    const r = await wecom.send(
      makeCtx(),
      wecom.options.parse({ url: `${sink.url}/cgi-bin/webhook/send?key=k1` }),
      makeMessage(),
    );
    expect(r).toEqual({ ok: true });
    const req = await sink.request();
    expect(req.query.get('key')).toBe('k1');
    const body = req.json<{ msgtype: string; markdown: { content: string } }>();
    expect(Object.keys(body).sort()).toEqual(['markdown', 'msgtype']);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toContain('红色预警 / Critical');
    expect(body.markdown.content).not.toMatch(/<@|<font|\]\(javascript|https:\/\/evil/);
  });

  it('keeps content within 4,096 UTF-8 bytes', () => {
    const c = wecomPayload(makeHugeMessage()).markdown.content;
    expect(Buffer.byteLength(c)).toBeLessThanOrEqual(4096);
    expect(c.startsWith('### 🔴')).toBe(true);
  });

  it('retries errcode 45009 only', async () => {
    const opts = wecom.options.parse({ url: sink.url });
    sink.reply({ status: 200, body: JSON.stringify({ errcode: 45009, errmsg: 'api freq out of limit' }) });
    expect(await wecom.send(makeCtx(), opts, makeMessage())).toMatchObject({
      ok: false,
      retry: true,
      retryAfterMs: 60_000,
    });
    sink.reply({ status: 200, body: JSON.stringify({ errcode: 93000, errmsg: 'invalid webhook url' }) });
    expect(await wecom.send(makeCtx(), opts, makeMessage())).toMatchObject({ ok: false, retry: false });
  });
});
