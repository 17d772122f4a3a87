import { and, desc, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { apiKeys, type Role } from '../schema/index.ts';
import { audit } from './audit.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** What an audit row or a listing may show of a key: never its hash. */
export const keyView = (r: Pick<ApiKeyRow, 'id' | 'name' | 'role' | 'prefix'>) => ({
  id: r.id,
  name: r.name,
  role: r.role,
  prefix: r.prefix,
});

/**
 * Store a new key (its SHA-256 only) and its audit row in one transaction.
 *
 * @example
 * await insertApiKey(db, { id, auditId, name: 'ci', role: 'viewer', hash, prefix, actor: 'cli', now });
 */
export async function insertApiKey(
  db: DbOrTx,
  k: {
    id: string;
    auditId: string;
    name: string;
    role: Role;
    hash: string;
    prefix: string;
    actor: string;
    requestId?: string;
    now: Date;
  },
): Promise<ApiKeyRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({ id: k.id, name: k.name, role: k.role, hash: k.hash, prefix: k.prefix, createdAt: k.now })
      .returning();
    await audit(
      tx,
      k.auditId,
      {
        actor: k.actor,
        action: 'key.create',
        entityType: 'api_key',
        entityId: k.id,
        after: keyView(row!),
        requestId: k.requestId,
      },
      k.now,
    );
    return row!;
  });
}

export async function listApiKeys(db: DbOrTx, o: { all?: boolean } = {}): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(o.all ? undefined : isNull(apiKeys.revokedAt))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

/** Revoke an active key with its audit row; null when there is no active key of that id. */
export async function revokeApiKey(
  db: DbOrTx,
  o: { id: string; auditId: string; actor: string; requestId?: string; now: Date },
): Promise<ApiKeyRow | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: o.now })
      .where(and(eq(apiKeys.id, o.id), isNull(apiKeys.revokedAt)))
      .returning();
    if (!row) return null;
    await audit(
      tx,
      o.auditId,
      {
        actor: o.actor,
        action: 'key.revoke',
        entityType: 'api_key',
        entityId: o.id,
        before: keyView(row),
        after: { ...keyView(row), revokedAt: o.now.toISOString() },
        requestId: o.requestId,
      },
      o.now,
    );
    return row;
  });
}
