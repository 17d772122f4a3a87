import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A parsed message as the sink received it. */
export interface SinkMail {
  envelope: { from: string; to: string[] };
  auth: { user: string; pass: string } | undefined;
  raw: string;
  /** Lower-cased header names, unfolded, encoded-words decoded. */
  headers: Record<string, string>;
  text: string | undefined;
  html: string | undefined;
}

/** `ok`, an SMTP rejection at MAIL FROM (`{ code: 550 }`, `{ code: 421 }`), or `hang` (never answer). */
export type SmtpReply = 'ok' | 'hang' | { code: number; message?: string };

export interface SmtpSink {
  host: string;
  port: number;
  mails: SinkMail[];
  /** Number of MAIL FROM commands seen (attempts). */
  attempts(): number;
  reply(r: SmtpReply): void;
  /** Resolves once the n-th attempt (0-based) reached MAIL FROM. */
  attempt(n?: number): Promise<void>;
  /** Resolves with the n-th accepted message (0-based). */
  mail(n?: number): Promise<SinkMail>;
  close(): Promise<void>;
}

/**
 * A local SMTP server (smtp-server, no TLS, any credentials) that parses what it receives.
 *
 * @example
 * const sink = await startSmtpSink(); ... const m = await sink.mail(); m.headers['message-id'];
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: SinkMail[] = [];
  let attempts = 0;
  let replyWith: SmtpReply = 'ok';
  const mailWaiters: { n: number; resolve: (m: SinkMail) => void }[] = [];
  const attemptWaiters: { n: number; resolve: () => void }[] = [];
  const pending: ((err?: Error | null) => void)[] = [];

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      cb(null, { user: { user: auth.username ?? '', pass: auth.password ?? '' } });
    },
    onMailFrom(_address, _session, cb) {
      attempts += 1;
      for (const w of attemptWaiters.filter((x) => x.n < attempts)) {
        attemptWaiters.splice(attemptWaiters.indexOf(w), 1);
        w.resolve();
      }
      const r = replyWith;
      if (r === 'hang') {
        pending.push(cb);
        return;
      }
      if (r === 'ok') return cb();
      cb(Object.assign(new Error(r.message ?? `rejected with ${r.code}`), { responseCode: r.code }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = parseMime(raw);
        const user = session.user as unknown as { user: string; pass: string } | undefined;
        const m: SinkMail = {
          envelope: {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          auth: user,
          raw,
          ...parsed,
        };
        mails.push(m);
        for (const w of mailWaiters.filter((x) => x.n < mails.length)) {
          mailWaiters.splice(mailWaiters.indexOf(w), 1);
          w.resolve(mails[w.n] as SinkMail);
        }
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    mails,
    attempts: () => attempts,
    reply(r) {
      replyWith = r;
    },
    attempt(n = 0) {
      if (attempts > n) return Promise.resolve();
      return new Promise((resolve) => attemptWaiters.push({ n, resolve }));
    },
    mail(n = 0) {
      const m = mails[n];
      if (m) return Promise.resolve(m);
      return new Promise((resolve) => mailWaiters.push({ n, resolve }));
    },
    async close() {
      for (const cb of pending.splice(0)) cb(Object.assign(new Error('sink closing'), { responseCode: 421 }));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ------------------------------------------------------------------ a small MIME reader

function decodeWords(s: string): string {
  return s.replace(
    /=\?([^?]+)\?([bqBQ])\?([^?]*)\?=\s*(?==\?)|=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g,
    (_m, _c1, e1, t1, _c2, e2, t2) => {
      const enc = (e1 ?? e2) as string;
      const text = (t1 ?? t2) as string;
      if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
      return decodeQP(text.replace(/_/g, ' '));
    },
  );
}

function decodeQP(s: string): string {
  const bytes: number[] = [];
  const src = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === '=' && /^[0-9A-F]{2}$/i.test(src.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(src.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function splitHead(raw: string): { headers: Record<string, string>; body: string } {
  const idx = raw.search(/\r?\n\r?\n/);
  const head = idx < 0 ? raw : raw.slice(0, idx);
  const body = idx < 0 ? '' : raw.slice(idx).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string | undefined): string {
  const e = (encoding ?? '').toLowerCase();
  if (e === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (e === 'quoted-printable') return decodeQP(body);
  return body;
}

export function parseMime(raw: string): {
  headers: Record<string, string>;
  text: string | undefined;
  html: string | undefined;
} {
  const { headers, body } = splitHead(raw);
  let text: string | undefined;
  let html: string | undefined;
  const walk = (h: Record<string, string>, b: string) => {
    const ct = h['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(ct)?.[1];
    if (/^multipart\//i.test(ct) && boundary) {
      for (const part of b.split(`--${boundary}`).slice(1)) {
        if (part.startsWith('--')) break;
        const p = splitHead(part.replace(/^\r?\n/, ''));
        walk(p.headers, p.body.replace(/\r?\n$/, ''));
      }
    } else if (/^text\/html/i.test(ct)) html = decodeBody(b, h['content-transfer-encoding']);
    else if (/^text\/plain/i.test(ct)) text = decodeBody(b, h['content-transfer-encoding']);
  };
  walk(headers, body);
  return { headers, text, html };
}
