import type { ClassifierDefinition, ClassifierInput, ClassifierOutput } from '../../classifiers/types.ts';
import type { Logger } from '../log.ts';

/**
 * Runs the classifier chain over a batch. Outputs merge in registry order: a later
 * classifier's field replaces an earlier one's (so an LLM pass registered last refines
 * local sentiment). A classifier that throws is logged and skipped for that batch; the
 * others' results stand.
 */
export interface ClassifierChain {
  ids: string[];
  run(
    inputs: ClassifierInput[],
  ): Promise<{ merged: ClassifierOutput[]; records: Record<string, ClassifierOutput>[] }>;
}

export function createClassifierChain(
  defs: readonly ClassifierDefinition[],
  opts: { log: Logger; disabled?: readonly string[]; options?: Record<string, Record<string, unknown>> },
): ClassifierChain {
  const active = defs
    .filter((d) => !opts.disabled?.includes(d.id))
    .map((d) => ({ def: d, options: d.options.parse(opts.options?.[d.id] ?? {}) as never }));
  const ctx = { log: opts.log.child({ component: 'classifier' }) };
  let ready: Promise<void> | undefined;
  const init = () => {
    ready ??= Promise.all(active.map((a) => a.def.init?.(ctx, a.options))).then(() => undefined);
    return ready;
  };
  return {
    ids: active.map((a) => `${a.def.id}@${a.def.version}`),
    async run(inputs) {
      await init();
      const merged: ClassifierOutput[] = inputs.map(() => ({}));
      const records: Record<string, ClassifierOutput>[] = inputs.map(() => ({}));
      if (inputs.length === 0) return { merged, records };
      for (const { def, options } of active) {
        let outs: ClassifierOutput[];
        try {
          outs = await def.classify(ctx, inputs, merged, options);
        } catch (err) {
          ctx.log.error(
            { err, classifier: def.id },
            'classifier failed; its results are skipped for this batch',
          );
          continue;
        }
        if (outs.length !== inputs.length) {
          ctx.log.error(
            { classifier: def.id, got: outs.length, want: inputs.length },
            'classifier returned a wrong count; skipped',
          );
          continue;
        }
        const key = `${def.id}@${def.version}`;
        outs.forEach((o, i) => {
          const rec: ClassifierOutput = {};
          for (const [k, v] of Object.entries(o) as [keyof ClassifierOutput, unknown][]) {
            if (v === undefined) continue;
            (merged[i] as Record<string, unknown>)[k] = v;
            (rec as Record<string, unknown>)[k] = v;
          }
          if (Object.keys(rec).length) records[i]![key] = rec;
        });
      }
      return { merged, records };
    },
  };
}
