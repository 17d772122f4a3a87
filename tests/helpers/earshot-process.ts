import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb } from '../../db/client.ts';
import { seedPgliteDir } from './pg.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = path.join(root, 'bin/earshot.js');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * A temp data directory with an earshot.yaml; `env` points the CLI at both. `seeded()` lays a
 * migrated database into it first (what a first start would create, minus the seconds of initdb).
 */
export function tempInstall(yaml = 'brands:\n  - name: Acme\n    query: acme\n') {
  const dir = mkdtempSync(path.join(tmpdir(), 'es-'));
  writeFileSync(path.join(dir, 'earshot.yaml'), yaml);
  const env: NodeJS.ProcessEnv = {
    EARSHOT_DATA_DIR: dir,
    EARSHOT_CONFIG: path.join(dir, 'earshot.yaml'),
    HTTPS_PROXY: '',
    https_proxy: '',
    LOG_LEVEL: '',
    PORT: '',
    DATABASE_URL: '',
  };
  return {
    dir,
    env,
    file: (name: string, text: string) => writeTemp(dir, name, text),
    seeded: async () => {
      await seedPgliteDir(path.join(dir, 'pglite'));
    },
  };
}

function writeTemp(dir: string, name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Run `earshot ARGS` to completion. */
export function earshot(args: string[], env: NodeJS.ProcessEnv, o: { cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      cwd: o.cwd ?? root,
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface ServiceProcess {
  proc: ChildProcess;
  url: string;
  /** The first admin key when this start created it. */
  adminKey?: string;
  stderr(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * `earshot start --port 0` on `env`'s data directory; resolves once it listens (the banner line),
 * rejects if it exits first or does not listen within the deadline.
 */
export function startEarshot(env: NodeJS.ProcessEnv, deadlineMs = 60_000): Promise<ServiceProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [bin, 'start', '--port', '0'], {
      env: { ...process.env, ...env },
      cwd: root,
    });
    let err = '';
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`earshot start did not listen within ${deadlineMs} ms:\n${err}`));
    }, deadlineMs);
    proc.stdout.resume();
    proc.stderr.on('data', (d) => {
      err += d;
      const m = /Earshot listening on (http:\/\/\S+)/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      proc.stderr.removeAllListeners('data');
      proc.stderr.on('data', (more) => {
        err += more;
      });
      resolve({
        proc,
        url: m[1]!,
        adminKey: /\n {2}(esk_\S+)\n/.exec(err)?.[1],
        stderr: () => err,
        async stop() {
          proc.kill('SIGTERM');
          return exited;
        },
        async kill() {
          proc.kill('SIGKILL');
          await exited;
        },
      });
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`earshot start exited with ${code}:\n${err}`));
    });
  });
}

/** Open the install's PGlite database (only while no Earshot process holds it), run `fn`, close. */
export async function withInstallDb<T>(
  dir: string,
  fn: (q: <R = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<R[]>) => Promise<T>,
): Promise<T> {
  const h = await openDb({ dataDir: path.join(dir, 'pglite'), command: 'test' });
  try {
    return await fn((sql, params) => h.query(sql, params));
  } finally {
    await h.close();
  }
}
