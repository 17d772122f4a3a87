import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

export type IdPrefix =
  | 'men'
  | 'brd'
  | 'src'
  | 'key'
  | 'aud'
  | 'run'
  | 'bat'
  | 'inc'
  | 'alr'
  | 'out'
  | 'req'
  | 'cus'
  | 'aut'
  | 'lbl'
  | 'mdl'
  | 'pol'
  | 'sil'
  | 'amk';

/**
 * Prefixed random ids (`men_4k2...`): readable in logs, unguessable, sortable by nothing.
 *
 * @example
 * newId('men') // 'men_0f3kz9...'
 */
// Random bytes are drawn in blocks: one syscall per 256 ids instead of one per id (ingest makes thousands a second).
let pool = Buffer.alloc(0);
let offset = 0;

export function newId(prefix: IdPrefix): string {
  if (offset + 16 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  let out = '';
  for (let i = offset; i < offset + 16; i++) out += ALPHABET[pool[i]! % 36];
  offset += 16;
  return `${prefix}_${out}`;
}
