import { index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { ts } from './_types.ts';

export type Role = 'admin' | 'editor' | 'viewer';

export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role').$type<Role>().notNull(),
  /** SHA-256 of the key; keys are 256-bit random, so a fast hash is enough. */
  hash: text('hash').notNull().unique(),
  /** First characters of the key, shown in listings to tell keys apart. */
  prefix: text('prefix').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastUsedAt: ts('last_used_at'),
  revokedAt: ts('revoked_at'),
});

export const auditLog = pgTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    at: ts('at').notNull().defaultNow(),
    /** `key:<id>` for API keys, `cli`, `config` or `system`. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    before: jsonb('before').$type<unknown>(),
    after: jsonb('after').$type<unknown>(),
    requestId: text('request_id'),
  },
  (t) => [
    index('audit_log_entity_idx').on(t.entityType, t.entityId, t.at),
    index('audit_log_at_idx').on(t.at),
  ],
);
