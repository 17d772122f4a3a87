import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  acquireDataDirLock,
  DataDirLockedError,
  lockFileFor,
  lockHolder,
  processStartTime,
} from '../../db/lock.ts';
import { lockTestDataDir as dataDir, deadPid, writeLock } from '../helpers/data-dir-lock.ts';

const linux = existsSync('/proc/self/stat');

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
});
