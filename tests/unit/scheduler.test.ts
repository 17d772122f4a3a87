import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { createCronScheduler } from '../../src/scheduler.ts';

describe('cron scheduler', () => {
  it('never overlaps two runs of one job, and stop() aborts and waits for the running one', async () => {
    const s = createCronScheduler(silentLogger());
    let release!: () => void;
    let aborted = false;
    let runs = 0;
    s.add({
      name: 'source:a',
      cron: '0 0 1 1 *',
      run: (signal) =>
        new Promise<void>((resolve) => {
          runs++;
          release = resolve;
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
    });
    const first = s.trigger('source:a');
    expect(await s.trigger('source:a')).toBe(false); // still running: skipped
    expect(s.jobs()).toEqual([{ name: 'source:a', cron: '0 0 1 1 *', running: true }]);
    release();
    expect(await first).toBe(true);
    expect(runs).toBe(1);
    const again = s.trigger('source:a');
    await s.stop();
    await again;
    expect(aborted).toBe(true);
  });

  it('a failing job is logged and does not break the scheduler', async () => {
    const s = createCronScheduler(silentLogger());
    s.add({ name: 'x', cron: '* * * * *', run: async () => Promise.reject(new Error('boom')) });
    expect(await s.trigger('x')).toBe(true);
    expect(await s.trigger('x')).toBe(true);
    await s.stop();
  });
});
