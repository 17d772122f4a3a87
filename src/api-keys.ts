import type { DbOrTx } from '../db/client.ts';
import { type ApiKeyRow, insertApiKey, revokeApiKey } from '../db/repo/api-keys.ts';
import type { Role } from '../db/schema/index.ts';
import { newId } from './ids.ts';
import { generateApiKey } from './secrets.ts';

/**
 * Create an API key: only its hash is stored, with an audit row in the same transaction; the
 * key itself is returned once, here.
 *
 * @example
 * const { key } = await issueApiKey(deps.db, { name: 'dashboard', role: 'viewer', actor: 'cli', now });
 */
export async function issueApiKey(
  db: DbOrTx,
  o: { name: string; role: Role; actor: string; requestId?: string; now: Date },
): Promise<{ key: string; row: ApiKeyRow }> {
  const k = generateApiKey();
  const row = await insertApiKey(db, {
    ...o,
    id: newId('key'),
    auditId: newId('aud'),
    hash: k.hash,
    prefix: k.prefix,
  });
  return { key: k.key, row };
}

/** Revoke a key (audited); null when no active key has that id. */
export function withdrawApiKey(
  db: DbOrTx,
  o: { id: string; actor: string; requestId?: string; now: Date },
): Promise<ApiKeyRow | null> {
  return revokeApiKey(db, { ...o, auditId: newId('aud') });
}
