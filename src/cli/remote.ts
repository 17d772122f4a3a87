import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../log.ts';

/**
 * How a CLI command reaches a running service on the embedded database.
 *
 * PGlite is one process's database, so while `earshot start` holds a data directory no other
 * process may open it. A command that needs the database (`ingest`, `keys create`, `customers
 * import`, `collect --once`, `sources`, `train`, ...) then sends its arguments over a Unix
 * socket in the data directory, and the service runs the very same command code in its own
 * process, with its own database handle, alert engine and config, streaming the output and the
 * exit code back. Every command therefore behaves identically whether or not the service runs
 * (an ingest resumes from the same file cursor, its mentions raise alerts through the service's
 * engine), and none needs an API key: the socket is created in a directory only the owner can
 * enter (0700) and is itself 0600, so reaching it takes the same file-system access as reading
 * the database files. Files named on the command line are opened by the service, resolved
 * against the caller's working directory (same machine, same user).
 *
 * The protocol is JSON lines: one request `{ v, argv, cwd, tty, columns }`, then frames
 * `{ o }` (stdout), `{ e }` (stderr) and a final `{ exit }`. Closing the connection (Ctrl-C)
 * aborts the command in the service.
 */
export interface RemoteRequest {
  v: 1;
  /** The command line after `earshot` (options included). */
  argv: string[];
  cwd: string;
  /** Whether the caller's stderr is a terminal (progress bars). */
  tty: boolean;
  columns?: number;
}

type Frame = { o: string } | { e: string } | { exit: number };

export interface RemoteIo {
  out(s: string): void;
  err(s: string): void;
  signal: AbortSignal;
}

/** The control socket of a data directory (`$EARSHOT_DATA_DIR/run/earshot.sock`). */
export function controlSocketPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'run', 'earshot.sock');
}

/** Unix socket paths are limited to 107 bytes on Linux (103 on macOS). */
const MAX_SOCKET_PATH = 100;

/**
 * Serve CLI commands on the control socket. `run` executes one command and resolves with its
 * exit code; it never sees the socket.
 *
 * @example
 * const srv = await serveCommands({ socketPath, log, run: (req, io) => runInService(deps, req, io) });
 */
export async function serveCommands(opts: {
  socketPath: string;
  log: Logger;
  run(req: RemoteRequest, io: RemoteIo): Promise<number>;
}): Promise<{ close(): Promise<void> }> {
  const { socketPath, log } = opts;
  if (socketPath.length > MAX_SOCKET_PATH)
    throw new Error(
      `the control socket path ${socketPath} is too long for a Unix socket (${socketPath.length} > ${MAX_SOCKET_PATH} bytes): use a shorter EARSHOT_DATA_DIR`,
    );
  const dir = path.dirname(socketPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || (typeof process.getuid === 'function' && st.uid !== process.getuid()))
    throw new Error(`${dir} is not a directory owned by this user; refusing to put the control socket there`);
  chmodSync(dir, 0o700);
  // The data directory's lock is held, so a socket file left here is from a dead service.
  if (existsSync(socketPath)) unlinkSync(socketPath);
  const running = new Set<AbortController>();
  const server: Server = createServer((sock) => handle(sock));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socketPath, 0o600);
  server.on('error', (err) => log.error({ err }, 'control socket failed'));

  function handle(sock: Socket) {
    const ac = new AbortController();
    running.add(ac);
    let closed = false;
    const send = (f: Frame) => {
      if (!closed) sock.write(`${JSON.stringify(f)}\n`);
    };
    sock.on('close', () => {
      closed = true;
      ac.abort(new Error('the caller disconnected'));
      running.delete(ac);
    });
    sock.on('error', () => {});
    const rl = createInterface({ input: sock });
    rl.once('line', async (line) => {
      rl.close();
      let req: RemoteRequest;
      try {
        req = JSON.parse(line) as RemoteRequest;
        if (req.v !== 1 || !Array.isArray(req.argv) || typeof req.cwd !== 'string')
          throw new Error('bad request');
      } catch {
        send({ e: 'error: malformed request on the control socket\n' });
        send({ exit: 2 });
        sock.end();
        return;
      }
      let code = 1;
      try {
        code = await opts.run(req, {
          out: (s) => send({ o: s }),
          err: (s) => send({ e: s }),
          signal: ac.signal,
        });
      } catch (err) {
        log.error({ err }, 'forwarded command failed');
        send({ e: `error: ${err instanceof Error ? err.message : String(err)}\n` });
      }
      send({ exit: code });
      sock.end();
    });
  }

  return {
    async close() {
      for (const ac of running) ac.abort(new Error('the service is stopping'));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      try {
        unlinkSync(socketPath);
      } catch {}
    },
  };
}

export class RemoteUnavailable extends Error {}

/**
 * Run a command in the service listening on `socketPath`; resolves with its exit code.
 * Rejects with RemoteUnavailable when nothing accepts the connection (the caller decides
 * whether to wait for a starting service).
 */
export function forwardCommand(
  socketPath: string,
  req: RemoteRequest,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    let connected = false;
    let exit: number | undefined;
    const onSigint = () => {
      sock.destroy();
      resolve(130);
    };
    sock.on('connect', () => {
      connected = true;
      process.once('SIGINT', onSigint);
      sock.write(`${JSON.stringify(req)}\n`);
    });
    const rl = createInterface({ input: sock });
    rl.on('line', (line) => {
      let f: Frame;
      try {
        f = JSON.parse(line) as Frame;
      } catch {
        return;
      }
      if ('o' in f) io.stdout.write(f.o);
      else if ('e' in f) io.stderr.write(f.e);
      else if ('exit' in f) exit = f.exit;
    });
    sock.on('error', (err) => {
      if (!connected) reject(new RemoteUnavailable((err as Error).message));
    });
    sock.on('close', () => {
      process.removeListener('SIGINT', onSigint);
      if (!connected) return;
      rl.close();
      if (exit === undefined) {
        io.stderr.write('error: the service closed the connection before the command finished\n');
        resolve(1);
      } else resolve(exit);
    });
  });
}
