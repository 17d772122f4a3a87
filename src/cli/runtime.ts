import path from 'node:path';
import type { DbHandle } from '../../db/client.ts';
import type { Deps } from '../deps.ts';
import { type Progress, progress } from './progress.ts';

export interface WithDepsOptions {
  /**
   * The command stores mentions or runs sources: in a process of its own, the alert engine
   * evaluates what it committed (and source faults) before the command returns.
   */
  alerts?: boolean;
}

/**
 * Where a command runs and how it reaches the database and the terminal. Commands use this,
 * never `process.stdout` or `process.exitCode`, so the same code runs in the `earshot` process
 * and, forwarded over the control socket, inside a running service (src/cli/remote.ts).
 *
 * @example
 * await rt.withDeps(async (deps) => rt.out(`${await countMentions(deps.db)} mentions`));
 */
export interface CliRuntime {
  /** `local`: this process opened the database; `service`: the running service runs the command. */
  readonly where: 'local' | 'service';
  /** Write a line to stdout. */
  out(s: string): void;
  /** Write text to stdout as is. */
  write(s: string): void;
  /** Write a line to stderr. */
  err(s: string): void;
  progress(label: string, total: number | undefined): Progress;
  /** A path from the command line, resolved against the caller's working directory. */
  resolvePath(p: string): string;
  setExitCode(code: number): void;
  /** Aborted when the caller goes away (Ctrl-C on a forwarded command). */
  readonly signal: AbortSignal;
  withDeps<T>(fn: (deps: Deps) => Promise<T>, opts?: WithDepsOptions): Promise<T>;
  withDb<T>(fn: (h: DbHandle) => Promise<T>): Promise<T>;
}

const line = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);

/** Terminal output of this process. */
export function processIo(): Pick<
  CliRuntime,
  'out' | 'write' | 'err' | 'progress' | 'resolvePath' | 'setExitCode' | 'signal'
> {
  return {
    out: (s) => process.stdout.write(line(s)),
    write: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(line(s)),
    progress: (label, total) => progress(label, total),
    resolvePath: (p) => path.resolve(p),
    setExitCode: (code) => {
      process.exitCode = code;
    },
    signal: new AbortController().signal,
  };
}

/**
 * The runtime of a command forwarded to the service: the service's deps (never closed here),
 * output sent back to the caller, paths resolved against the caller's directory.
 */
export function serviceRuntime(
  deps: Deps,
  io: { out(s: string): void; err(s: string): void; signal: AbortSignal },
  caller: { cwd: string; tty: boolean; columns?: number },
  setExitCode: (code: number) => void,
): CliRuntime {
  // A progress bar drawn on the caller's terminal: cli-progress only needs write() and the size.
  const stream = {
    isTTY: caller.tty,
    columns: caller.columns ?? 80,
    write: (s: string) => {
      io.err(s);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return {
    where: 'service',
    out: (s) => io.out(line(s)),
    write: (s) => io.out(s),
    err: (s) => io.err(line(s)),
    progress: (label, total) => progress(label, total, stream),
    resolvePath: (p) => path.resolve(caller.cwd, p),
    setExitCode,
    signal: io.signal,
    withDeps: (fn) => fn(deps),
    withDb: (fn) => fn(deps.handle),
  };
}
