import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lockTestDataDir as dataDir, deadPid, writeLock } from '../helpers/data-dir-lock.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Several Node processes (through tsx) race for one data directory lock. */
describe('the data directory lock across processes', () => {
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
