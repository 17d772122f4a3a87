import { and, eq, isNull } from 'drizzle-orm';
import type { MiddlewareHandler } from 'hono';
import type { Db } from '../../db/client.ts';
import { apiKeys, type Role } from '../../db/schema/index.ts';
import type { Clock } from '../clock.ts';
import { hashApiKey } from '../secrets.ts';
import { errorBody } from './errors.ts';

export interface Principal {
  keyId: string;
  name: string;
  role: Role;
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

export function roleAtLeast(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

/**
 * Bearer-key authentication. Keys are looked up by SHA-256; results are cached for a few
 * seconds so a busy dashboard does not cost a query per request, and revocation takes effect
 * within that window. `last_used_at` is written at most once a minute per key.
 */
export function createAuthenticator(db: Db, clock: Clock, ttlMs = 5_000) {
  const cache = new Map<string, { p: Principal | null; until: number }>();
  const touched = new Map<string, number>();
  return async function authenticate(key: string): Promise<Principal | null> {
    const hash = hashApiKey(key);
    const now = clock.now().getTime();
    const hit = cache.get(hash);
    if (hit && hit.until > now) return hit.p;
    const rows = await db
      .select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role })
      .from(apiKeys)
      .where(and(eq(apiKeys.hash, hash), isNull(apiKeys.revokedAt)))
      .limit(1);
    const row = rows[0];
    const p = row ? { keyId: row.id, name: row.name, role: row.role } : null;
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { p, until: now + ttlMs });
    if (p && (touched.get(p.keyId) ?? 0) < now - 60_000) {
      touched.set(p.keyId, now);
      await db
        .update(apiKeys)
        .set({ lastUsedAt: new Date(now) })
        .where(eq(apiKeys.id, p.keyId));
    }
    return p;
  };
}

/** Requires a valid key; viewers may only read (GET/HEAD); `need` raises the bar per route group. */
export function requireAuth(authenticate: (key: string) => Promise<Principal | null>): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return errorBody(c, 'UNAUTHORIZED', 'missing API key: send "Authorization: Bearer <key>"');
    const p = await authenticate(m[1]!);
    if (!p) return errorBody(c, 'UNAUTHORIZED', 'invalid or revoked API key');
    c.set('principal' as never, p as never);
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD' && !roleAtLeast(p.role, 'editor')) {
      return errorBody(c, 'FORBIDDEN', `role ${p.role} may not modify data`);
    }
    await next();
  };
}

export function requireRole(need: Role): MiddlewareHandler {
  return async (c, next) => {
    const p = c.get('principal' as never) as Principal | undefined;
    if (!p || !roleAtLeast(p.role, need)) return errorBody(c, 'FORBIDDEN', `this needs the ${need} role`);
    await next();
  };
}
