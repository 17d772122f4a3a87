import type { ScheduledJob, Scheduler } from '../../src/scheduler.ts';

/** A scheduler that never ticks by itself: tests call `trigger`. */
export function createScheduler(): Scheduler {
  const jobs = new Map<string, { job: ScheduledJob; running?: Promise<unknown> }>();
  const controller = new AbortController();
  return {
    add: (job) => void jobs.set(job.name, { job }),
    remove: (name) => void jobs.delete(name),
    async trigger(name) {
      const e = jobs.get(name);
      if (!e || e.running) return false;
      e.running = e.job.run(controller.signal).finally(() => {
        e.running = undefined;
      });
      await e.running;
      return true;
    },
    start: () => {},
    async stop() {
      controller.abort();
      await Promise.allSettled([...jobs.values()].map((e) => e.running));
    },
    jobs: () =>
      [...jobs.values()].map((e) => ({ name: e.job.name, cron: e.job.cron, running: Boolean(e.running) })),
  };
}
