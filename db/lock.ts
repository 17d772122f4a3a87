import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

/** Who holds a data directory: written as JSON into the lock file. */
export interface LockHolder {
  pid: number;
  host: string;
  /** Linux boot id: a lock from before a reboot is stale whatever its pid. */
  bootId?: string;
  /** Start time of the holder process (Linux `/proc/<pid>/stat` field 22): tells a reused pid apart. */
  startTime?: string;
  /** Random per acquisition: release removes the file only while it is still ours. */
  token: string;
  /** What holds it: `start`, `ingest`, ... (for messages). */
  command: string;
  since: string;
  /** Extra facts the holder publishes once it has them (the service's control socket and URL). */
  socket?: string;
  url?: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dir: string,
    /** Null while another process is still writing the lock file. */
    readonly holder: LockHolder | null,
    message: string,
  ) {
    super(message);
    this.name = 'DataDirLockedError';
  }
}

export interface DataDirLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** Publish more about the holder (atomically replaces the lock file's content). */
  update(extra: Pick<LockHolder, 'socket' | 'url'>): void;
  /** Remove the lock if it is still ours. Idempotent. */
  release(): void;
}

/** The lock file of a PGlite data directory: a sibling, so PGlite's own directory holds only its files. */
export const lockFileFor = (dir: string) => `${path.resolve(dir)}.lock`;

/** A takeover of a stale lock that has not finished within this time was itself interrupted. */
const BREAK_STALE_MS = 10_000;

function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or undefined off Linux. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

function selfHolder(command: string): LockHolder {
  return {
    pid: process.pid,
    host: hostname(),
    bootId: readBootId(),
    startTime: processStartTime(process.pid),
    token: randomBytes(12).toString('hex'),
    command,
    since: new Date().toISOString(),
  };
}

function readHolder(file: string): LockHolder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h?.pid === 'number' && typeof h.token === 'string' ? h : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/**
 * Whether the holder process still runs. `unknown` when it ran on another host (a data
 * directory on a shared volume): its liveness cannot be checked from here, so it counts as alive.
 */
export function holderState(h: LockHolder): 'alive' | 'dead' | 'unknown' {
  if (h.host !== hostname()) return 'unknown';
  const boot = readBootId();
  if (h.bootId && boot && h.bootId !== boot) return 'dead';
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
    // EPERM: a process of another user has that pid; the start time below decides.
  }
  if (h.startTime) {
    const now = processStartTime(h.pid);
    if (now !== undefined && now !== h.startTime) return 'dead';
  }
  return 'alive';
}

/** The live holder of a data directory's lock, or null when it is free (or stale). */
export function lockHolder(dir: string): LockHolder | null {
  const h = readHolder(lockFileFor(dir));
  if (h === 'missing' || h === 'unreadable') return null;
  return holderState(h) === 'dead' ? null : h;
}

/** Write a whole file under a temporary name, then link it into place: a reader never sees half of it. */
function writeTemp(file: string, holder: LockHolder): string {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

function tryCreate(file: string, holder: LockHolder): boolean {
  const tmp = writeTemp(file, holder);
  try {
    // link() fails with EEXIST when the lock exists: creation and content in one atomic step.
    linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV') {
      // A file system without hard links: exclusive create, then write (a reader that sees it
      // empty treats it as being written, see `unreadable`).
      try {
        writeFileSync(file, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o600 });
        return true;
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e2;
      }
    }
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {}
  }
}

function describe(h: LockHolder): string {
  const where = h.host === hostname() ? `pid ${h.pid}` : `pid ${h.pid} on host ${h.host}`;
  return `\`earshot ${h.command}\` (${where}, since ${h.since})`;
}

/**
 * Take the exclusive lock of a PGlite data directory before PGlite opens its files.
 *
 * Why a lock file with the holder's identity, not a kernel lock: PGlite is one process's
 * database (single-user PostgreSQL in WebAssembly, with no postmaster and no shared memory to
 * coordinate a second process), and a second process that opens the same files corrupts them.
 * Node has no flock()/fcntl() without a native addon, so the lock is a file created
 * atomically (link(2) of a fully written temporary file: EEXIST when held) that names its
 * holder: pid, host, boot id and the process's start time. A holder killed with SIGKILL
 * leaves the file behind, so the next process checks liveness instead of trusting the file:
 * dead when the pid no longer exists, when that pid now belongs to a process started at
 * another time (pid reuse), or when the machine has rebooted since. A holder on another host
 * (shared volume) cannot be checked and is never broken automatically. Breaking a stale lock
 * is itself guarded by `<lock>.break` (exclusive create), so two processes that find the same
 * stale lock at once cannot both take it; a `.break` file older than 10 s was left by a
 * process that died while breaking and is removed.
 *
 * @example
 * const lock = acquireDataDirLock('./data/pglite', 'start'); ...; lock.release();
 */
export function acquireDataDirLock(dir: string, command: string): DataDirLock {
  const file = lockFileFor(dir);
  let holder = selfHolder(command);
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, holder)) return held(file, holder);
    const cur = readHolder(file);
    if (cur === 'missing') continue; // released meanwhile: try again
    if (cur === 'unreadable') {
      // Being written by a file system without hard links, or garbage: stale only when old.
      let age = 0;
      try {
        age = Date.now() - statSync(file).mtimeMs;
      } catch {
        continue;
      }
      if (age < BREAK_STALE_MS)
        throw new DataDirLockedError(dir, null, `${dir} is being locked by another process; try again`);
      breakStale(file, null);
      continue;
    }
    const state = holderState(cur);
    if (state !== 'dead') {
      const hint =
        state === 'unknown'
          ? ` If that process no longer runs, delete ${file}.`
          : cur.command === 'start'
            ? ''
            : ' Wait for it to finish.';
      throw new DataDirLockedError(dir, cur, `the database in ${dir} is in use by ${describe(cur)}.${hint}`);
    }
    breakStale(file, cur);
    holder = { ...holder, since: new Date().toISOString() };
  }
  throw new Error(`could not take the lock ${file}: it keeps changing hands`);
}

/** Remove a stale lock, but only the one judged stale, and only one process at a time. */
function breakStale(file: string, stale: LockHolder | null): void {
  const guard = `${file}.break`;
  try {
    writeFileSync(guard, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    try {
      if (Date.now() - statSync(guard).mtimeMs > BREAK_STALE_MS) unlinkSync(guard);
    } catch {}
    return; // someone else is breaking it; the caller looks again
  }
  try {
    const cur = readHolder(file);
    const same =
      stale === null
        ? cur === 'unreadable'
        : cur !== 'missing' && cur !== 'unreadable' && cur.token === stale.token;
    if (same) unlinkSync(file);
  } finally {
    try {
      unlinkSync(guard);
    } catch {}
  }
}

function held(file: string, initial: LockHolder): DataDirLock {
  let holder = initial;
  let released = false;
  const onExit = () => release();
  function release() {
    if (released) return;
    released = true;
    process.removeListener('exit', onExit);
    const cur = readHolder(file);
    if (cur !== 'missing' && cur !== 'unreadable' && cur.token === holder.token) {
      try {
        unlinkSync(file);
      } catch {}
    }
  }
  // A process that exits without closing the database (process.exit, an uncaught error) still
  // releases the lock; only SIGKILL and crashes leave it, and those are detected as stale.
  process.on('exit', onExit);
  return {
    file,
    get holder() {
      return holder;
    },
    update(extra) {
      if (released) return;
      holder = { ...holder, ...extra };
      const tmp = writeTemp(file, holder);
      renameSync(tmp, file);
    },
    release,
  };
}
