import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  acquireDataDirLock,
  DataDirLockedError,
  type LockHolder,
  lockFileFor,
  lockHolder,
  processStartTime,
} from '../../db/lock.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'es-lock-')), 'pglite');
const linux = existsSync('/proc/self/stat');

function writeLock(dir: string, over: Partial<LockHolder>) {
  const h: LockHolder = {
    pid: process.pid,
    host: hostname(),
    token: 'old',
    command: 'start',
    since: '2026-01-01T00:00:00.000Z',
    ...over,
  };
  writeFileSync(lockFileFor(dir), JSON.stringify(h));
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => p.on('exit', r));
  return p.pid!;
}

describe('the data directory lock', () => {
  it('is exclusive while held and free once released', () => {
    const dir = dataDir();
    const a = acquireDataDirLock(dir, 'start');
    expect(lockHolder(dir)).toMatchObject({ pid: process.pid, command: 'start' });
    let e: unknown;
    try {
      acquireDataDirLock(dir, 'ingest');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(DataDirLockedError);
    expect((e as Error).message).toContain(`in use by \`earshot start\` (pid ${process.pid}`);
    a.update({ socket: '/x.sock', url: 'http://127.0.0.1:1' });
    expect(lockHolder(dir)).toMatchObject({ socket: '/x.sock', url: 'http://127.0.0.1:1' });
    a.release();
    a.release();
    expect(existsSync(lockFileFor(dir))).toBe(false);
    expect(lockHolder(dir)).toBeNull();
    acquireDataDirLock(dir, 'ingest').release();
  });

  it('left by a killed process (its pid gone) is taken over', async () => {
    const dir = dataDir();
    writeLock(dir, { pid: await deadPid() });
    expect(lockHolder(dir)).toBeNull();
    const l = acquireDataDirLock(dir, 'start');
    expect(JSON.parse(readFileSync(lockFileFor(dir), 'utf8'))).toMatchObject({
      pid: process.pid,
      token: l.holder.token,
    });
    l.release();
  });

  it.skipIf(!linux)('whose pid now belongs to a process started at another time is stale (pid reuse)', () => {
    const dir = dataDir();
    writeLock(dir, { startTime: String(Number(processStartTime(process.pid)) - 1) });
    acquireDataDirLock(dir, 'start').release();
  });

  it.skipIf(!linux)('from before a reboot is stale', () => {
    const dir = dataDir();
    writeLock(dir, { bootId: 'another-boot', startTime: processStartTime(process.pid) });
    acquireDataDirLock(dir, 'start').release();
  });

  it('held from another host is never broken: the message says how to remove it', () => {
    const dir = dataDir();
    writeLock(dir, { host: 'elsewhere', pid: 1 });
    expect(() => acquireDataDirLock(dir, 'start')).toThrow(
      `If that process no longer runs, delete ${lockFileFor(dir)}`,
    );
  });

  it('stale, and taken by processes starting at once: exactly one gets it', { timeout: 60_000 }, async () => {
    const dir = dataDir();
    writeLock(dir, { pid: await deadPid() });
    // Each child reports, then holds whatever it got until the test lets all of them go.
    const script = `
      const { acquireDataDirLock } = await import(${JSON.stringify(path.join(root, 'db/lock.ts'))});
      try { acquireDataDirLock(${JSON.stringify(dir)}, 'start'); console.log('got'); }
      catch (e) { console.log('refused'); }
      process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root }),
    );
    const runs = children.map(
      (p) =>
        new Promise<string>((resolve) => {
          let out = '';
          p.stdout.on('data', (d) => {
            out += d;
            if (out.includes('\n')) resolve(out.trim());
          });
        }),
    );
    const results = await Promise.all(runs);
    await Promise.all(
      children.map((p) => {
        const exited = new Promise((r) => p.on('exit', r));
        p.stdin.end();
        return exited;
      }),
    );
    expect(results.filter((r) => r === 'got')).toHaveLength(1);
    expect(results.filter((r) => r === 'refused')).toHaveLength(3);
  });
});
