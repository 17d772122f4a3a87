import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EarshotError } from './errors.ts';

/**
 * AES-256-GCM for secrets at rest (platform tokens, cookies, webhook secrets).
 * Envelope: `v1.<iv>.<tag>.<ciphertext>` (base64url). The key comes from
 * EARSHOT_SECRET_KEY: 32 bytes as base64/hex, or any passphrase (HKDF-SHA256 derived).
 *
 * @example
 * const box = createSecretBox(key); const sealed = box.seal('{"token":"x"}'); box.open(sealed);
 */
export interface SecretBox {
  seal(plaintext: string): string;
  open(envelope: string): string;
}

export function deriveKey(material: string): Buffer {
  const trimmed = material.trim();
  if (/^[0-9a-f]{64}$/i.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const b64 = Buffer.from(trimmed, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(trimmed)) return b64;
  return Buffer.from(hkdfSync('sha256', trimmed, 'earshot-secret-box', 'aes-256-gcm', 32));
}

export function createSecretBox(material: string | Buffer): SecretBox {
  const key = typeof material === 'string' ? deriveKey(material) : material;
  if (key.length !== 32) throw new EarshotError('CONFIG', 'secret key must be 32 bytes');
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        c.getAuthTag().toString('base64url'),
        ct.toString('base64url'),
      ].join('.');
    },
    open(envelope) {
      const [v, iv, tag, ct] = envelope.split('.');
      if (v !== 'v1' || !iv || !tag || ct === undefined)
        throw new EarshotError('INTERNAL', 'unrecognised secret envelope');
      try {
        const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        d.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
      } catch (cause) {
        throw new EarshotError('INTERNAL', 'cannot decrypt a stored secret: wrong EARSHOT_SECRET_KEY?', {
          cause,
        });
      }
    },
  };
}

/**
 * The secret key: EARSHOT_SECRET_KEY when set; otherwise a key file in the data directory,
 * created on first use (mode 0600) so a newcomer needs to configure nothing. Back it up with
 * the data: without it, stored secrets cannot be read.
 */
export function resolveSecretKey(
  envKey: string | undefined,
  dataDir: string,
): { key: Buffer; source: 'env' | 'file' | 'generated' } {
  if (envKey) return { key: deriveKey(envKey), source: 'env' };
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return { key: deriveKey(readFileSync(file, 'utf8')), source: 'file' };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, source: 'generated' };
}

/** API keys: `esk_<43 chars>`, stored as SHA-256 hex (keys are 256-bit random). */
export function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `esk_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 10) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
