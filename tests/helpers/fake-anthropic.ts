import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Anthropic Messages API (POST /v1/messages), good enough for the
 * official SDK: answers `{ id, type: 'message', role, model, content: [{ type: 'text', text }],
 * stop_reason, usage }`, or scripted failures (429 with retry-after, 5xx, malformed bodies).
 * Every request is recorded with its headers and parsed body.
 *
 * @example
 * const fake = await startFakeAnthropic();
 * fake.enqueue({ status: 429, retryAfterMs: 5 }, { text: '{"items":[]}' });
 * // ... new Anthropic({ baseURL: fake.url, apiKey: 'test' }) ...
 * await fake.close();
 */
export interface FakeMessageRequest {
  model: string;
  max_tokens: number;
  system?: string;
  messages: { role: string; content: string | { type: string; text?: string }[] }[];
  [k: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: FakeMessageRequest | undefined;
  raw: string;
}

export type FakeReply =
  /** A normal message whose text is `text`. */
  | { text: string; usage?: { input_tokens: number; output_tokens: number }; stopReason?: string }
  /** An error status (429 and 5xx make the SDK retry). */
  | { status: number; retryAfterMs?: number; retryAfter?: string; error?: string }
  /** A raw body (e.g. truncated JSON) with status 200. */
  | { rawBody: string }
  /** Compute the reply from the request. */
  | ((req: FakeMessageRequest) => FakeReply);

export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  /** Replies used in order, one per request; when empty, `fallback` answers. */
  enqueue(...replies: FakeReply[]): void;
  fallback: FakeReply;
  close(): Promise<void>;
}

/** The text of the (single) user turn of a request. */
export function userText(req: FakeMessageRequest | undefined): string {
  const m = req?.messages[0];
  if (!m) return '';
  return typeof m.content === 'string' ? m.content : m.content.map((c) => c.text ?? '').join('');
}

/** The items of the `<data>` block of a request built by the llm classifier. */
export function dataItems(
  req: FakeMessageRequest | undefined,
): { id: string; text: string; brands: { id: string }[] }[] {
  const m = /<data>\n([\s\S]*)\n<\/data>/.exec(userText(req));
  return m
    ? (JSON.parse(m[1]!) as { items: { id: string; text: string; brands: { id: string }[] }[] }).items
    : [];
}

/** A well-formed answer labelling every item of the request with `label`. */
export function answerAll(label: 'positive' | 'negative' | 'neutral' = 'neutral'): FakeReply {
  const score = label === 'positive' ? 0.8 : label === 'negative' ? -0.8 : 0;
  return (req) => ({
    text: JSON.stringify({
      items: dataItems(req).map((i) => ({
        id: i.id,
        sentiment: { label, score, confidence: 0.9 },
        sarcasm: 0.05,
        targets: i.brands.map((b) => ({ brandId: b.id, sentiment: { label, score, confidence: 0.8 } })),
        topics: ['quality'],
        crisis: { score: 0, categories: [] },
      })),
    }),
  });
}

export async function startFakeAnthropic(opts: { fallback?: FakeReply } = {}): Promise<FakeAnthropic> {
  const queue: FakeReply[] = [];
  const requests: RecordedRequest[] = [];
  let counter = 0;
  const state = { fallback: opts.fallback ?? answerAll('neutral') };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: FakeMessageRequest | undefined;
      try {
        body = JSON.parse(raw) as FakeMessageRequest;
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, raw });
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'not found' } }));
        return;
      }
      let reply = queue.shift() ?? state.fallback;
      while (typeof reply === 'function') reply = body ? reply(body) : { status: 400, error: 'bad json' };
      if ('status' in reply) {
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-should-retry': reply.status === 429 || reply.status >= 500 ? 'true' : 'false',
        };
        if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
        if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
        const type =
          reply.status === 429
            ? 'rate_limit_error'
            : reply.status >= 500
              ? 'api_error'
              : 'invalid_request_error';
        res.writeHead(reply.status, headers);
        res.end(
          JSON.stringify({
            type: 'error',
            error: { type, message: reply.error ?? `status ${reply.status}` },
          }),
        );
        return;
      }
      if ('rawBody' in reply) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(reply.rawBody);
        return;
      }
      counter++;
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_fake_${counter}` });
      res.end(
        JSON.stringify({
          id: `msg_fake_${counter}`,
          type: 'message',
          role: 'assistant',
          model: body?.model ?? 'fake',
          content: [{ type: 'text', text: reply.text }],
          stop_reason: reply.stopReason ?? 'end_turn',
          stop_sequence: null,
          usage: reply.usage ?? {
            input_tokens: Math.ceil(raw.length / 4),
            output_tokens: Math.ceil(reply.text.length / 4),
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...r) => queue.push(...r),
    get fallback() {
      return state.fallback;
    },
    set fallback(r: FakeReply) {
      state.fallback = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
