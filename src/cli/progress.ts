import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, extra?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A progress line on stderr when it is a terminal; silent otherwise (CI logs, pipes), so
 * stdout stays clean for JSON output.
 */
export function progress(
  label: string,
  total: number | undefined,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: total ? `${label} [{bar}] {percentage}% {value}/{total} {info}` : `${label} {value} {info}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total ?? 0, 0, { info: '' });
  return {
    update(done, extra) {
      if (!total) bar.setTotal(Math.max(done, 1));
      bar.update(done, {
        info: extra
          ? Object.entries(extra)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')
          : '',
      });
    },
    stop: () => bar.stop(),
  };
}
