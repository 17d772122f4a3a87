import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from './log.ts';

/**
 * Runs named jobs on cron schedules. The in-process implementation uses node-cron and never
 * overlaps two runs of one job (a tick that finds the job still running is skipped and
 * logged). A multi-process implementation (pg-boss `schedule` + `work`) can replace it
 * behind this interface without touching collectors.
 *
 * @example
 * scheduler.add({ name: 'source:acme-news', cron: '*\/10 * * * *', run: (signal) => runSource(signal) });
 */
export interface ScheduledJob {
  name: string;
  cron: string;
  run(signal: AbortSignal): Promise<unknown>;
}

export interface Scheduler {
  add(job: ScheduledJob): void;
  remove(name: string): void;
  /** Run a job now (respecting no-overlap); resolves false when it was already running. */
  trigger(name: string): Promise<boolean>;
  start(): void;
  /** Stop ticking and abort running jobs, waiting for them to settle. */
  stop(): Promise<void>;
  jobs(): { name: string; cron: string; running: boolean }[];
}

export function createCronScheduler(log: Logger): Scheduler {
  const entries = new Map<string, { job: ScheduledJob; task?: ScheduledTask; running?: Promise<unknown> }>();
  const controller = new AbortController();
  let started = false;
  const l = log.child({ component: 'scheduler' });

  const fire = async (name: string): Promise<boolean> => {
    const e = entries.get(name);
    if (!e || controller.signal.aborted) return false;
    if (e.running) {
      l.info({ job: name }, 'previous run still going; tick skipped');
      return false;
    }
    e.running = e.job
      .run(controller.signal)
      .catch((err) => l.error({ err, job: name }, 'scheduled job failed'))
      .finally(() => {
        e.running = undefined;
      });
    await e.running;
    return true;
  };

  const arm = (name: string) => {
    const e = entries.get(name)!;
    e.task = cron.createTask(e.job.cron, () => void fire(name), { name });
    e.task.start();
  };

  return {
    add(job) {
      if (entries.has(job.name)) this.remove(job.name);
      entries.set(job.name, { job });
      if (started) arm(job.name);
    },
    remove(name) {
      const e = entries.get(name);
      void e?.task?.destroy();
      entries.delete(name);
    },
    trigger: fire,
    start() {
      started = true;
      for (const name of entries.keys()) arm(name);
    },
    async stop() {
      started = false;
      for (const e of entries.values()) void e.task?.destroy();
      controller.abort(new Error('scheduler stopped'));
      await Promise.allSettled([...entries.values()].map((e) => e.running));
    },
    jobs: () =>
      [...entries.values()].map((e) => ({ name: e.job.name, cron: e.job.cron, running: Boolean(e.running) })),
  };
}
