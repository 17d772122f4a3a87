import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured logging with secrets redacted. Logs go to stderr so stdout stays clean for
 * command output (JSON lines from `earshot classify`, `collect --dry-run`).
 *
 * @example
 * const log = createLogger({ level: 'info' }).child({ component: 'collector', sourceId });
 */
export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          '*.headers.authorization',
          '*.headers.cookie',
          'token',
          '*.token',
          'secret',
          '*.secret',
          'password',
          '*.password',
          'appPassword',
          '*.appPassword',
          'secrets',
          '*.secrets',
          'apiKey',
          '*.apiKey',
        ],
        censor: '[redacted]',
      },
    },
    opts.destination ?? pino.destination(2),
  );
}

/** A logger that drops everything; for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
