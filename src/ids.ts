import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export type IdPrefix = 'men' | 'brd' | 'src' | 'key' | 'aud' | 'run' | 'bat' | 'inc' | 'alr' | 'out' | 'req' | 'cus' | 'aut' | 'lbl' | 'pol' | 'sil';

/**
 * Prefixed random ids (`men_4k2...`): readable in logs, unguessable, sortable by nothing.
 *
 * @example
 * newId('men') // 'men_0f3kz9...'
 */
export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(16);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % 36];
  return `${prefix}_${out}`;
}
