import { z } from 'zod';

/**
 * One grammar for every plugin entry (a source, an alert channel, a classifier's options),
 * used by the config loader and by the API alike. An entry is checked in one order: its type
 * names a registered plugin, its options pass the options every plugin of that kind takes and
 * then the plugin's own schema (an unknown key is named, with a "did you mean" for a near
 * miss), and its secrets are ones the plugin takes. Issue paths are the entry's own (`type`,
 * `options.url`, `secrets.token`), so the loader can point at file:line:col and the API can
 * name the field.
 */

/** What the grammar needs of a plugin: its id, the schema of its options, the secrets it takes. */
export interface PluginDefinition {
  id: string;
  options: z.ZodType;
  secrets?: readonly string[];
}

/** A registry as the grammar sees it. */
export interface PluginKind<D extends PluginDefinition = PluginDefinition> {
  /** How the type of an entry is called in messages: `source type`, `channel type`, `classifier`. */
  noun: string;
  plugins: readonly D[];
  /** Options every plugin of this kind takes besides its own (sources: `baseUrl`). */
  common?: z.ZodObject;
}

type Path = (string | number)[];

export interface EntryIssue {
  path: Path;
  message: string;
}

export type EntryCheck<D> =
  | { ok: true; plugin: D; options: Record<string, unknown> }
  | { ok: false; issues: EntryIssue[] };

/** Where the parts of an entry sit, relative to the entry (a classifier's options sit under its id). */
export interface EntryPaths {
  type: Path;
  options: Path;
  secrets: Path;
}

const LIST_ENTRY: EntryPaths = { type: ['type'], options: ['options'], secrets: ['secrets'] };

/**
 * Edit distance with adjacent transpositions (optimal string alignment): `sentimnet` is one
 * step from `sentiment`, `spma` one from `spam`.
 */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/**
 * The candidate a mistyped name most likely meant: the nearest by edit distance, when it is
 * within a third of the name's length (at least one edit) and no other candidate is as near.
 *
 * @example
 * didYouMean('sentimnet', ['sentiment', 'spam']) // 'sentiment'
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  let tie = false;
  for (const c of candidates) {
    const dist = distance(w, c.toLowerCase());
    if (dist < bestD) [best, bestD, tie] = [c, dist, false];
    else if (dist === bestD) tie = true;
  }
  return best !== undefined && !tie && bestD <= Math.max(1, Math.floor(w.length / 3)) ? best : undefined;
}

/**
 * `Unknown option "bogus"; one of: rulesOnly`, with a suggestion first when one name is near:
 * `Unknown classifier "sentimnet"; did you mean "sentiment"? One of: ...`.
 */
function unknownName(what: string, word: string, candidates: readonly string[]): string {
  const m = didYouMean(word, candidates);
  const list = candidates.join(', ');
  return m
    ? `Unknown ${what} "${word}"; did you mean "${m}"? One of: ${list}`
    : `Unknown ${what} "${word}"; one of: ${list}`;
}

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The keys an options schema declares, when it is an object schema (possibly refined or piped). */
function declaredKeys(schema: z.ZodType): string[] | undefined {
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodPipe) return declaredKeys(schema.in as z.ZodType);
  return undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The issue for an id no plugin of this kind has. */
const unknownType = <D extends PluginDefinition>(kind: PluginKind<D>, type: string) =>
  unknownName(
    kind.noun,
    type,
    kind.plugins.map((p) => p.id),
  );

/**
 * Check one entry: type, then options, then secrets. Returns the plugin and its options as its
 * schema outputs them, or every issue found, at paths relative to the entry.
 *
 * @example
 * const r = checkPluginEntry(sourcePlugins(collectors), { type: 'rss', options: { url } });
 * if (!r.ok) r.issues[0] // { path: ['options', 'url'], message: 'Invalid URL' }
 */
export function checkPluginEntry<D extends PluginDefinition>(
  kind: PluginKind<D>,
  entry: { type: string; options?: unknown; secrets?: Readonly<Record<string, unknown>> },
  at: EntryPaths = LIST_ENTRY,
): EntryCheck<D> {
  const plugin = kind.plugins.find((p) => p.id === entry.type);
  if (!plugin) return { ok: false, issues: [{ path: at.type, message: unknownType(kind, entry.type) }] };
  const issues: EntryIssue[] = [];
  const options = entry.options ?? {};
  const declared = declaredKeys(plugin.options);
  const known = [...new Set([...(declared ?? []), ...Object.keys(kind.common?.shape ?? {})])];
  const named = new Set<string>();
  const unknownOption = (k: string) => {
    if (named.has(k)) return;
    named.add(k);
    issues.push({
      path: [...at.options, k],
      message: known.length
        ? unknownName('option', k, known)
        : `${capitalised(kind.noun)} ${plugin.id} takes no options`,
    });
  };
  // A schema that does not refuse unknown keys would drop them without a word, and a mistyped
  // option would fall back to its default unnoticed (a channel's `timeoutMS`).
  if (declared && isRecord(options))
    for (const k of Object.keys(options)) if (!known.includes(k)) unknownOption(k);
  const add = (r: z.ZodSafeParseResult<unknown>) => {
    if (r.success) return;
    for (const i of r.error.issues) {
      // Unknown keys at the top are named one by one, each at its own line in the file.
      if (i.code === 'unrecognized_keys' && i.path.length === 0) i.keys.forEach(unknownOption);
      else issues.push({ path: [...at.options, ...(i.path as Path)], message: i.message });
    }
  };
  if (kind.common) add(kind.common.safeParse(options));
  const parsed = plugin.options.safeParse(options);
  add(parsed);
  const allowed = plugin.secrets ?? [];
  for (const k of Object.keys(entry.secrets ?? {}))
    if (!allowed.includes(k))
      issues.push({
        path: [...at.secrets, k],
        message: allowed.length
          ? unknownName('secret', k, allowed)
          : `${capitalised(kind.noun)} ${plugin.id} takes no secrets`,
      });
  if (issues.length || !parsed.success) return { ok: false, issues };
  return { ok: true, plugin, options: parsed.data as Record<string, unknown> };
}

/** The fields every listed entry has (the kind's own fields come on top). */
interface EntryFields {
  type: string;
  options: unknown;
  secrets: Record<string, string>;
}

const addAll = (ctx: z.RefinementCtx, issues: readonly EntryIssue[]) => {
  for (const i of issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
};

/**
 * The config entry of a listed plugin (`sources[]`, `alerts.channels[]`): `type`, `options`,
 * `secrets` and the kind's own fields, strict; the output carries the options as the plugin's
 * schema outputs them (defaults applied).
 *
 * @example
 * const channelEntry = pluginEntrySchema(channelPlugins(channels), { name: z.string().min(1) });
 */
export function pluginEntrySchema<D extends PluginDefinition, Fields extends z.ZodRawShape>(
  kind: PluginKind<D>,
  fields: Fields,
) {
  return z
    .object({
      type: z.string(),
      options: z.unknown().default({}),
      secrets: z.record(z.string(), z.string()).default({}),
      ...fields,
    })
    .strict()
    .superRefine((v, ctx) => {
      const r = checkPluginEntry(kind, v as EntryFields);
      if (!r.ok) addAll(ctx, r.issues);
    })
    .transform((v) => {
      const r = checkPluginEntry(kind, v as EntryFields);
      return { ...v, options: r.ok ? r.options : {} };
    });
}

/**
 * Options by plugin id (`classifiers.options`): each key names a registered plugin and each
 * value passes its options schema. Values stay as written (the plugin parses them when it is
 * built), so the core can still add what it owns (the LLM key from the environment).
 */
export function pluginOptionsSchema<D extends PluginDefinition>(kind: PluginKind<D>) {
  return z.record(z.string(), z.record(z.string(), z.unknown())).superRefine((byId, ctx) => {
    for (const [id, options] of Object.entries(byId)) {
      const r = checkPluginEntry(kind, { type: id, options }, { type: [id], options: [id], secrets: [id] });
      if (!r.ok) addAll(ctx, r.issues);
    }
  });
}

/** A registered plugin id (`classifiers.disabled[]`). */
export function pluginIdSchema<D extends PluginDefinition>(kind: PluginKind<D>) {
  return z.string().superRefine((id, ctx) => {
    if (!kind.plugins.some((p) => p.id === id))
      ctx.addIssue({ code: 'custom', message: unknownType(kind, id) });
  });
}
