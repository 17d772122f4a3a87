import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import postgres from 'postgres';
import { type Db, type DbHandle, openDb } from '../../db/client.ts';
import { migrate, migrationsFolder } from '../../db/migrate.ts';
import * as schema from '../../db/schema/index.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const artifacts = path.join(root, 'tests/.artifacts');

export const adminUrl = () =>
  process.env.EARSHOT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Which database the storage suite runs on (set per vitest project). */
export const testDbKind = (): 'pglite' | 'postgres' =>
  process.env.EARSHOT_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

function migrationsHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, f.name);
      if (f.isDirectory()) walk(p);
      else h.update(f.name).update(readFileSync(p));
    }
  };
  walk(migrationsFolder);
  return h.digest('hex').slice(0, 12);
}

/**
 * PGlite takes seconds to initialise and migrate a data directory, so the migrated state is
 * dumped once (per migration set) and every test file loads the dump.
 */
async function pgliteDump(): Promise<Blob> {
  const file = path.join(artifacts, `pglite-${migrationsHash()}.tar.gz`);
  if (!existsSync(file)) {
    const h = await openDb({ dataDir: 'memory://' });
    await migrate(h);
    const dump = await (h.client as PGlite).dumpDataDir('gzip');
    await h.close();
    mkdirSync(artifacts, { recursive: true });
    const tmp = `${file}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
  }
  return new Blob([readFileSync(file)]);
}

/**
 * A PGlite data directory on disk, already migrated (a CLI or service started on it skips
 * initdb). Loading the dump takes about a second; the first call keeps the loaded directory
 * (per migration set) and later ones copy it, a cold copy of a cleanly closed cluster, in about
 * a tenth of that.
 */
export async function seedPgliteDir(dataDir: string): Promise<void> {
  const seeded = path.join(artifacts, `pglite-${migrationsHash()}.dir`);
  if (!existsSync(seeded)) {
    const tmp = `${seeded}.${randomBytes(4).toString('hex')}`;
    mkdirSync(tmp, { recursive: true });
    const client = await PGlite.create({ dataDir: tmp, loadDataDir: await pgliteDump() });
    await client.close();
    try {
      renameSync(tmp, seeded);
    } catch {
      // Another test file seeded it first; its copy is as good as ours.
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  mkdirSync(path.dirname(dataDir), { recursive: true });
  cpSync(seeded, dataDir, { recursive: true });
}

async function openPglite(): Promise<DbHandle> {
  const client = await PGlite.create({ loadDataDir: await pgliteDump() });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    client,
    query: async <T>(text: string, params: unknown[] = []) => (await client.query<T>(text, params)).rows,
    close: () => client.close(),
  };
}

/**
 * On PostgreSQL, migrate a template database once (under an advisory lock, since test files
 * run in parallel workers) and clone it per test file: a clone takes milliseconds.
 */
async function openPostgres(): Promise<DbHandle> {
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  const tpl = `earshot_tpl_${migrationsHash()}`;
  const name = `earshot_t_${randomBytes(6).toString('hex')}`;
  try {
    await admin`select pg_advisory_lock(7474001)`;
    const exists = await admin`select 1 from pg_database where datname = ${tpl}`;
    if (exists.length === 0) {
      const building = `${tpl}_build`;
      await admin.unsafe(`drop database if exists ${building}`);
      await admin.unsafe(`create database ${building}`);
      const u = new URL(adminUrl());
      u.pathname = `/${building}`;
      const h = await openDb({ url: u.toString(), max: 2 });
      await migrate(h);
      await h.close();
      await admin.unsafe(`alter database ${building} rename to ${tpl}`);
    }
    await admin.unsafe(`create database ${name} template ${tpl}`);
  } finally {
    await admin`select pg_advisory_unlock(7474001)`.catch(() => {});
  }
  await admin.end();
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  const h = await openDb({ url: u.toString(), max: 4 });
  return {
    ...h,
    async close() {
      await h.close();
      const a = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await a.end();
    },
  };
}

/** A migrated, empty database for one test file. */
export async function openTestDb(kind: 'pglite' | 'postgres' = testDbKind()): Promise<DbHandle> {
  return kind === 'postgres' ? openPostgres() : openPglite();
}

/** Empty every table (between tests of one file). */
export async function truncateAll(h: DbHandle): Promise<void> {
  const rows = await h.query<{ tablename: string }>(
    "select tablename from pg_tables where schemaname = 'public'",
  );
  if (rows.length) await h.query(`truncate table ${rows.map((r) => `"${r.tablename}"`).join(', ')} cascade`);
}
