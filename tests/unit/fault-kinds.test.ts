import { describe, expect, it } from 'vitest';
import { BLOCKING_FAULT_KINDS, isBlockingFault } from '../../src/errors.ts';
import { stateOf } from '../../src/source-state.ts';

const health = (lastErrorKind: string | null) => ({
  runs: 3,
  consecutiveFailures: 1,
  lastErrorKind,
  lastNewAt: null,
  avgNewIntervalSec: null,
});

describe('blocking fault kinds', () => {
  it('are the faults a person must fix: credentials, quota, captchas, login walls, refusals', () => {
    expect([...BLOCKING_FAULT_KINDS].sort()).toEqual([
      'auth-expired',
      'blocked',
      'captcha',
      'login-wall',
      'quota-exhausted',
    ]);
    expect(isBlockingFault('network')).toBe(false);
    expect(isBlockingFault('rate-limited')).toBe(false);
    expect(isBlockingFault(null)).toBe(false);
    expect(isBlockingFault('')).toBe(false);
  });
  it('make a failing source read as blocked in its health, any other kind as failing', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    for (const k of BLOCKING_FAULT_KINDS) expect(stateOf(health(k), now)).toBe('blocked');
    for (const k of ['network', 'upstream', 'parse-error', 'silent', null])
      expect(stateOf(health(k), now)).toBe('failing');
  });
});
