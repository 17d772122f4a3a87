import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';

describe('structured logs', () => {
  it('redact credentials wherever a log call puts them', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', destination: { write: (s: string) => lines.push(s) } });
    log.child({ component: 'collector' }).info(
      {
        token: 't-1',
        appPassword: 'app-2',
        secrets: { identifier: 'me', appPassword: 'app-3' },
        req: { headers: { authorization: 'Bearer b-4', cookie: 'SUB=c-5' } },
        source: { password: 'p-6', apiKey: 'k-7' },
      },
      'collecting',
    );
    const out = lines.join('');
    for (const secret of ['t-1', 'app-2', 'app-3', 'b-4', 'c-5', 'p-6', 'k-7'])
      expect(out).not.toContain(secret);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'collecting',
      component: 'collector',
      token: '[redacted]',
    });
  });
});
