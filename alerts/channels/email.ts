import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { type AlertMessage, defineChannel } from '../types.ts';
import { renderEmail } from './_lib/email.tsx';

const MAX_BYTES = 512 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

function domainOf(from: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return m?.[1] ?? 'earshot.invalid';
}

/**
 * `Message-ID` derived from the idempotency key: a retried delivery carries the same id, so
 * mail systems and clients fold a duplicate instead of showing it twice.
 */
export function emailMessageId(deliveryId: string, from: string): string {
  return `<${createHash('sha256').update(deliveryId).digest('hex').slice(0, 32)}.earshot@${domainOf(from)}>`;
}

/** Thread anchor for all mails of one incident (`References`), stable across deliveries. */
export function incidentThreadId(incidentId: string, from: string): string {
  return `<incident.${createHash('sha256').update(incidentId).digest('hex').slice(0, 32)}.earshot@${domainOf(from)}>`;
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  message?: string;
}

/** SMTP 4xx is transient, 5xx permanent; no reply at all (timeout, reset, DNS) is retried. */
function fromSmtpError(err: unknown): { ok: false; retry: boolean; status?: number; error: string } {
  const e = (err ?? {}) as SmtpError;
  const msg = `${e.code ?? 'SMTP'}: ${String(e.message ?? err).slice(0, 300)}`;
  if (typeof e.responseCode === 'number')
    return { ok: false, retry: e.responseCode < 500, status: e.responseCode, error: msg };
  const permanent =
    e.code === 'EAUTH' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE' || e.code === 'ETLS';
  return { ok: false, retry: !permanent, error: msg };
}

export function emailMail(
  message: AlertMessage,
  opts: { from: string; to: string[]; cc?: string[] | undefined },
) {
  const r = renderEmail(message, MAX_BYTES);
  const thread = message.incident ? incidentThreadId(message.incident.id, opts.from) : undefined;
  return {
    from: opts.from,
    to: opts.to,
    ...(opts.cc?.length ? { cc: opts.cc } : {}),
    subject: r.subject,
    text: r.text,
    html: r.html,
    messageId: emailMessageId(message.id, opts.from),
    ...(thread ? { references: thread } : {}),
    ...(message.incident?.level === 1 && message.kind !== 'resolved' ? { priority: 'high' as const } : {}),
    headers: {
      'X-Earshot-Delivery': message.id,
      'X-Earshot-Kind': message.kind,
      ...(message.incident
        ? { 'X-Earshot-Incident': message.incident.id, 'X-Earshot-Level': String(message.incident.level) }
        : {}),
      'Auto-Submitted': 'auto-generated',
    },
  };
}

export const email = defineChannel({
  id: 'email',
  description: 'Email over SMTP (nodemailer): multipart text + HTML, Message-ID from the delivery id',
  options: z.object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** true for implicit TLS (465); false uses STARTTLS when offered. */
    secure: z.boolean().default(false),
    /** Refuse to send when the server offers no STARTTLS. */
    requireTLS: z.boolean().default(false),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
    cc: z.array(z.string().min(3)).optional(),
    timeoutMs: z.number().int().positive().max(120_000).optional(),
  }),
  secrets: ['user', 'pass'],
  limits: { perMinute: 30, maxBytes: MAX_BYTES },
  async send(ctx, opts, message) {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { user, pass } = ctx.secrets;
    // Connect to the address the SSRF guard checked; TLS still verifies the configured name.
    let address: string;
    try {
      address = await ctx.resolveHost(opts.host);
    } catch (err) {
      const blocked = (err as { code?: string }).code === 'BLOCKED_ADDRESS';
      return { ok: false, retry: !blocked, error: (err as Error).message };
    }
    const transport = nodemailer.createTransport({
      host: address,
      tls: { servername: opts.host },
      port: opts.port,
      secure: opts.secure,
      requireTLS: opts.requireTLS,
      ...(user && pass ? { auth: { user, pass } } : {}),
      // nodemailer's own timers are a backstop; the clock below is the one tests drive.
      connectionTimeout: timeoutMs * 2,
      greetingTimeout: timeoutMs * 2,
      socketTimeout: timeoutMs * 2,
    });
    // Why race on ctx.clock: the deadline must be testable without sleeping, and must
    // also cover a server that accepted the connection and then went silent.
    const stop = new AbortController();
    const deadline = ctx.clock.sleep(timeoutMs, stop.signal).then(
      () => 'timeout' as const,
      () => 'stopped' as const,
    );
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      if (ctx.signal?.aborted) onAbort();
      ctx.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const sent = transport.sendMail(emailMail(message, opts));
      sent.catch(() => undefined);
      const r = await Promise.race([sent, deadline, aborted]);
      if (r === 'timeout')
        return { ok: false, retry: true, error: `timeout: no SMTP reply within ${timeoutMs} ms` };
      if (r === 'aborted') return { ok: false, retry: true, error: 'aborted' };
      if (r === 'stopped') return { ok: false, retry: true, error: 'stopped' };
      if (r.rejected.length)
        ctx.log.warn({ channel: 'email', rejected: r.rejected.length }, 'some recipients were rejected');
      return { ok: true, providerId: r.messageId };
    } catch (err) {
      return fromSmtpError(err);
    } finally {
      stop.abort();
      if (onAbort) ctx.signal?.removeEventListener('abort', onAbort);
      transport.close();
    }
  },
});
