import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from '../../db/lock.ts';
import {
  earshot,
  type ServiceProcess,
  startEarshot,
  tempInstall,
  withInstallDb,
} from '../helpers/earshot-process.ts';

/**
 * The real CLI beside a real `earshot start` on the default embedded database: commands reach
 * the running service instead of opening its files a second time (which corrupted them), and
 * what they wrote survives a SIGKILL of the service and a restart.
 */
describe('CLI commands while the service runs', { timeout: 90_000 }, () => {
  const install = tempInstall();
  let svc: ServiceProcess;
  let key = '';
  const get = (p: string, k: string) =>
    fetch(`${svc.url}${p}`, { headers: { authorization: `Bearer ${k}` } }).then((r) => r.status);

  beforeAll(async () => {
    await install.seeded();
    svc = await startEarshot(install.env);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('keys create and keys list: the key works at once', async () => {
    const r = await earshot(['keys', 'create', '--role', 'editor', '--name', 'beside'], install.env);
    expect(r.stderr).toContain('holds the database; running "keys create" there');
    expect(r.code).toBe(0);
    key = r.stdout.trim();
    expect(key).toMatch(/^esk_/);
    expect(await get('/v1/sources', key)).toBe(200);
    const listed = await earshot(['keys', 'list'], install.env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('beside');
  });

  it('ingest (a path relative to the caller), customers import and sources', async () => {
    const lines = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({
        platform: 'test',
        externalId: `beside-${i}`,
        author: { handle: `a${i % 40}` },
        text: `Acme kettle note ${i} about the lid and the handle ${i % 13}`,
        publishedAt: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
      }),
    );
    const file = install.file('beside.ndjson', `${lines.join('\n')}\n`);
    // Run from another directory than the service's: the path is resolved against the caller's.
    const ok = await earshot(['ingest', '--input', path.basename(file)], install.env, { cwd: install.dir });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout.trim())).toMatchObject({ stored: 300, rejected: 0 });

    const csv = install.file(
      'customers.csv',
      ['crm_id,name,handles', ...Array.from({ length: 50 }, (_, i) => `C${i},Customer ${i},test:a${i}`)].join(
        '\n',
      ),
    );
    const imp = await earshot(['customers', 'import', csv], install.env);
    expect(imp.code).toBe(0);
    expect(JSON.parse(imp.stdout.trim())).toMatchObject({ created: 50 });

    const sources = await earshot(['sources', '--json'], install.env);
    expect(sources.code).toBe(0);
    expect(JSON.parse(sources.stdout)).toEqual([]);
  });

  it('a second start on the same data directory refuses in one line and leaves the first running', async () => {
    const r = await earshot(['start', '--port', '0'], install.env);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: Earshot is already running on this data directory \(pid \d+, http:/),
    ]);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  });

  it('after a SIGKILL of the service: the stale lock is taken over, the files are sound, nothing is lost', async () => {
    await svc.kill();
    expect(existsSync(path.join(install.dir, 'pglite.lock'))).toBe(true);
    const mig = await earshot(['migrate'], install.env);
    expect(mig.stderr).not.toContain('Aborted');
    expect(mig.code).toBe(0);
    const found = await withInstallDb(install.dir, async (q) => {
      const [m] = await q<{ n: number }>(
        "select count(*)::int as n from mentions where external_id like 'beside-%'",
      );
      // Through the unique index, as a lookup by crm_id reads it.
      await q('set enable_seqscan = off');
      const [c] = await q<{ n: number }>('select count(*)::int as n from customers where crm_id = any($1)', [
        Array.from({ length: 50 }, (_, i) => `C${i}`),
      ]);
      const audit = await q<{ actor: string }>(
        "select actor from audit_log where action = 'key.create' order by at",
      );
      return { mentions: m!.n, customers: c!.n, keyAudit: audit.map((a) => a.actor) };
    });
    expect(found).toEqual({ mentions: 300, customers: 50, keyAudit: ['system', 'cli'] });

    svc = await startEarshot(install.env);
    expect(svc.adminKey).toBeUndefined(); // not a new installation
    expect(await get('/v1/sources', key)).toBe(200);
    await svc.stop();
    expect(existsSync(path.join(install.dir, 'pglite.lock'))).toBe(false);
  });
});

describe('a command holding the data directory', () => {
  it('makes another command refuse with who holds it and what to do', { timeout: 60_000 }, async () => {
    const install = tempInstall();
    const lock = acquireDataDirLock(path.join(install.dir, 'pglite'), 'ingest');
    try {
      const r = await earshot(['keys', 'list'], install.env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`in use by \`earshot ingest\` (pid ${process.pid}`);
      expect(r.stderr).toContain('Wait for it to finish');
    } finally {
      lock.release();
    }
  });
});

describe('earshot start on a busy port', () => {
  it('fails with one line naming the port, before storing anything', { timeout: 60_000 }, async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    const install = tempInstall();
    try {
      const r = await earshot(['start', '--port', String(port)], install.env);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(lines[0]).toContain('--port');
      expect(r.stderr).not.toContain('EADDRINUSE');
      // Nothing stored: no database, so no first admin key was made and lost.
      expect(existsSync(path.join(install.dir, 'pglite'))).toBe(false);
    } finally {
      busy.close();
    }
  });
});
