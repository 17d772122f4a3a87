import { customType, timestamp } from 'drizzle-orm/pg-core';

/** Timestamps are always timestamptz read as Date, so both drivers agree. */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** PostgreSQL full-text vector; only ever written by a generated column. */
export const tsvector = customType<{ data: string }>({
  dataType: () => 'tsvector',
});
