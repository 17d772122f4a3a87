/**
 * Throughput of each local classifier on one core, on labelled JSONL texts cut to 280
 * characters. Not a test; run by hand:
 *
 *   npx tsx tests/unit/classifiers/measure-classifiers.ts <dir with *.jsonl>
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { classifiers } from '../../../classifiers/index.ts';
import type { ClassifierInput } from '../../../classifiers/types.ts';
import { silentLogger } from '../../../src/log.ts';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: measure-classifiers.ts <dir with *.jsonl>');
  process.exit(2);
}
const inputs: ClassifierInput[] = [];
for (const f of readdirSync(dir)
  .filter((n) => n.endsWith('.jsonl'))
  .sort()) {
  for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) {
    if (line.trim()) {
      const r = JSON.parse(line) as { id: string; text: string };
      inputs.push({ id: r.id, text: r.text.slice(0, 280) });
    }
  }
}
const ctx = { log: silentLogger() };
for (const def of classifiers) {
  const options = def.options.parse({}) as never;
  await def.init?.(ctx, options);
  const prior = inputs.map(() => ({}));
  await def.classify(ctx, inputs.slice(0, 2000), prior.slice(0, 2000), options); // warm-up
  // CPU time of this process: on a shared machine wall time also counts other work.
  const cpu0 = process.cpuUsage();
  const out = await def.classify(ctx, inputs, prior, options);
  const cpu = process.cpuUsage(cpu0);
  const s = (cpu.user + cpu.system) / 1e6;
  const filled = out.filter((o) => Object.keys(o).length > 0).length;
  console.log(
    `${def.id.padEnd(12)} ${Math.round(inputs.length / s)
      .toString()
      .padStart(8)} texts per CPU-second  (${filled}/${inputs.length} with output)`,
  );
}
