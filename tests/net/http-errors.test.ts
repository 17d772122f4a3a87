import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FetchError, faultKindOf } from '../../src/errors.ts';
import { testHttp } from '../helpers/collect.ts';

describe('HTTP error mapping', () => {
  it('a refused connection is "refused" (not a reset), names the host, and is retryable', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    const e = await testHttp()
      .get(`http://127.0.0.1:${port}/feed.xml`)
      .then(
        () => null,
        (x: unknown) => x,
      );
    expect(e).toBeInstanceOf(FetchError);
    const f = e as FetchError;
    expect(f.failure).toBe('refused');
    expect(f.message).toBe(`connection refused while requesting 127.0.0.1:${port}`);
    expect(f.retry).toBe(true);
    expect(faultKindOf(f)).toBe('network');
  });
});
