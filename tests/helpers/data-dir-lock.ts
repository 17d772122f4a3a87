import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { type LockHolder, lockFileFor } from '../../db/lock.ts';

/** A fresh (not yet existing) PGlite data directory path under a temp directory. */
export const lockTestDataDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'es-lock-')), 'pglite');

/** Write a lock file as another holder would have left it. */
export function writeLock(dir: string, over: Partial<LockHolder>): void {
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
export async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => p.on('exit', r));
  return p.pid!;
}
