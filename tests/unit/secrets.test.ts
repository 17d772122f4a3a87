import { describe, expect, it } from 'vitest';
import { createSecretBox, generateApiKey, hashApiKey } from '../../src/secrets.ts';

describe('secret box', () => {
  it('round-trips, uses a fresh IV each time and detects tampering or a wrong key', () => {
    const box = createSecretBox('correct horse battery staple');
    const a = box.seal('{"token":"t0k"}');
    const b = box.seal('{"token":"t0k"}');
    expect(a).not.toBe(b);
    expect(a).not.toContain('t0k');
    expect(box.open(a)).toBe('{"token":"t0k"}');
    const parts = a.split('.');
    const last = parts[3]!;
    const flipped = [...parts.slice(0, 3), (last[0] === 'A' ? 'B' : 'A') + last.slice(1)].join('.');
    expect(() => box.open(flipped)).toThrow(/cannot decrypt/);
    expect(() => createSecretBox('another key').open(a)).toThrow(/cannot decrypt/);
  });

  it('accepts a 32-byte hex key', () => {
    const box = createSecretBox('a'.repeat(64));
    expect(box.open(box.seal('x'))).toBe('x');
  });
});

describe('API keys', () => {
  it('are random, prefixed, and stored only as a hash', () => {
    const k1 = generateApiKey();
    const k2 = generateApiKey();
    expect(k1.key).toMatch(/^esk_[\w-]{43}$/);
    expect(k1.key).not.toBe(k2.key);
    expect(k1.hash).toBe(hashApiKey(k1.key));
    expect(k1.hash).not.toContain(k1.key.slice(4));
  });
});
