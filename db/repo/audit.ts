import type { DbOrTx } from '../client.ts';
import { auditLog } from '../schema/index.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
}

/** Write an audit row; call it inside the mutation's transaction. Secrets must be redacted by the caller. */
export async function audit(tx: DbOrTx, id: string, e: AuditEntry, at: Date): Promise<void> {
  await tx.insert(auditLog).values({
    id,
    at,
    actor: e.actor,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId ?? null,
    before: e.before ?? null,
    after: e.after ?? null,
    requestId: e.requestId ?? null,
  });
}
