import { type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { serve } from '@hono/node-server';
import { newId } from '../ids.ts';
import { type ApiErrorCode, STATUS } from './errors.ts';
import { MAX_URL_BYTES } from './input.ts';

/**
 * Node's request-line + header limit. It sits above `MAX_URL_BYTES`, so a long URL reaches the
 * app and gets its 414 in the envelope; only a request whose headers pass this limit is refused
 * by Node itself (as a 431, still in the envelope: see `answerClientErrors`).
 */
export const MAX_HEADER_BYTES = 4 * MAX_URL_BYTES;

/** What Node refused before the app saw the request, as a status and envelope code. */
function classify(err: NodeJS.ErrnoException): { code: ApiErrorCode; message: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        code: 'HEADERS_TOO_LARGE',
        message: `the request line and headers are over ${MAX_HEADER_BYTES} bytes`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADER_TIMEOUT':
      return { code: 'REQUEST_TIMEOUT', message: 'the request was not received in time' };
    default:
      return { code: 'BAD_REQUEST', message: `malformed HTTP request (${err.code ?? 'parse error'})` };
  }
}

/**
 * Answer requests Node's HTTP parser refuses (headers over the limit, malformed request lines,
 * bytes that are not HTTP) with the JSON error envelope instead of Node's bare text answer.
 * There is no request object at this point, so the response is written to the socket directly.
 */
export function answerClientErrors(server: Pick<Server, 'on'>): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { code, message } = classify(err);
    const status = STATUS[code];
    const body = JSON.stringify({ error: { code, message, requestId: newId('req') } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        'x-content-type-options: nosniff\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
  });
}

/**
 * `serve` from @hono/node-server with the API's limits and envelope answers for requests Node
 * refuses itself. Same arguments and result as `serve`.
 *
 * @example
 * const server = serveApi({ fetch: app.fetch, port: 8080, hostname: '127.0.0.1' }, () => ready());
 */
export function serveApi(
  opts: { fetch: Parameters<typeof serve>[0]['fetch']; port?: number; hostname?: string },
  listening?: Parameters<typeof serve>[1],
): ReturnType<typeof serve> {
  const server = serve({ ...opts, serverOptions: { maxHeaderSize: MAX_HEADER_BYTES } }, listening);
  answerClientErrors(server as Server);
  return server;
}
