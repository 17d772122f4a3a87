import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { email, emailMessageId } from '../../../alerts/channels/email.ts';
import { type SmtpSink, startSmtpSink } from '../../helpers/smtp-sink.ts';
import { makeCtx, makeIncident, makeMessage } from './factories.ts';

describe('email channel', () => {
  let sink: SmtpSink;
  beforeEach(async () => {
    sink = await startSmtpSink();
  });
  afterEach(() => sink.close());

  const opts = () =>
    email.options.parse({
      host: sink.host,
      port: sink.port,
      from: 'Earshot <alerts@earshot.example>',
      to: ['ops@example.com', 'pr@example.com'],
    });

  it('refuses a private SMTP host unless allowed, without retrying (SSRF guard)', async () => {
    const blocked = await email.send(makeCtx({ guard: {} }), opts(), makeMessage());
    expect(blocked).toMatchObject({ ok: false, retry: false });
    expect((blocked as { error: string }).error).toMatch(/refusing to connect to 127\.0\.0\.1/);
    const allowed = await email.send(
      makeCtx({ guard: { allowCidrs: ['127.0.0.0/8'] } }),
      opts(),
      makeMessage(),
    );
    expect(allowed).toMatchObject({ ok: true });
    expect((await sink.mail()).envelope.to).toEqual(['ops@example.com', 'pr@example.com']);
  });

  it('sends multipart text + HTML with a Message-ID derived from the delivery id', async () => {
    const r = await email.send(makeCtx({ secrets: { user: 'u1', pass: 'p1' } }), opts(), makeMessage());
    const mail = await sink.mail();
    const mid = emailMessageId('dlv_test1', 'alerts@earshot.example');
    expect(mid).toMatch(/^<[0-9a-f]{32}\.earshot@earshot\.example>$/);
    expect(r).toEqual({ ok: true, providerId: mid });
    expect(mail.auth).toEqual({ user: 'u1', pass: 'p1' });
    expect(mail.envelope).toEqual({
      from: 'alerts@earshot.example',
      to: ['ops@example.com', 'pr@example.com'],
    });
    expect(mail.headers['message-id']).toBe(mid);
    expect(mail.headers.subject).toBe('[Earshot] 🔴 红色预警 / Critical — Acme: negative spike');
    expect(mail.headers['x-earshot-delivery']).toBe('dlv_test1');
    expect(mail.headers['x-earshot-incident']).toBe('inc_test1');
    expect(mail.headers['x-earshot-level']).toBe('1');
    expect(mail.headers['auto-submitted']).toBe('auto-generated');
    expect(mail.headers.references).toMatch(/^<incident\.[0-9a-f]{32}\.earshot@earshot\.example>$/);
    expect(mail.headers['content-type']).toMatch(/^multipart\/alternative/);
    expect(mail.text).toContain('预警依据 / Why this level:');
    expect(mail.text).toContain('hxxps://evil[.]example/login');
    expect(mail.html).toContain(
      '<h2 style="border-left:6px solid #d93025;padding-left:10px">🔴 红色预警 / Critical — Acme: negative spike</h2>',
    );
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain(
      '<a href="https://earshot.example/ack/inc_test1?sig=abc">确认 / Acknowledge</a>',
    );
  });

  it('keeps the same Message-ID on a retried delivery', async () => {
    await email.send(makeCtx(), opts(), makeMessage());
    await email.send(makeCtx(), opts(), makeMessage());
    const [a, b] = [await sink.mail(0), await sink.mail(1)];
    expect(a.headers['message-id']).toBe(b.headers['message-id']);
  });

  it('writes an English subject for the en locale and names the kind', async () => {
    await email.send(
      makeCtx(),
      opts(),
      makeMessage({
        locale: 'en',
        kind: 'resolved',
        id: 'dlv_2',
        incident: makeIncident({ status: 'resolved', level: 3 }),
      }),
    );
    const mail = await sink.mail();
    expect(mail.headers.subject).toBe('[Earshot] ✅ Medium · Resolved — Acme: negative spike');
    expect(mail.headers['message-id']).not.toBe(emailMessageId('dlv_test1', 'alerts@earshot.example'));
  });

  it('maps SMTP 5xx to a permanent failure and 4xx to a retry', async () => {
    sink.reply({ code: 550, message: 'no such user' });
    expect(await email.send(makeCtx(), opts(), makeMessage())).toMatchObject({
      ok: false,
      retry: false,
      status: 550,
    });
    sink.reply({ code: 452, message: 'insufficient storage' });
    expect(await email.send(makeCtx(), opts(), makeMessage())).toMatchObject({
      ok: false,
      retry: true,
      status: 452,
    });
  });

  it('retries when the server cannot be reached', async () => {
    const port = sink.port;
    await sink.close();
    const o = email.options.parse({ host: '127.0.0.1', port, from: 'a@b.example', to: ['c@d.example'] });
    expect(await email.send(makeCtx(), o, makeMessage())).toMatchObject({ ok: false, retry: true });
    sink = await startSmtpSink();
  });
});
