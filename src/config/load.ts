import { readFileSync } from 'node:fs';
import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { type ConfigFile, type ConfigPlugins, configSchema, type QueryValidator } from './schema.ts';
import { explainYamlErrors, unresolvedAliases } from './yaml-errors.ts';

/** Settings that come from the environment, the only place process.env is read. */
export interface EnvSettings {
  databaseUrl?: string;
  dataDir: string;
  logLevel: string;
  port?: number;
  anthropicApiKey?: string;
  secretKey?: string;
  httpsProxy?: string;
  configPath?: string;
}

export interface RuntimeConfig {
  /** The file the config came from (for messages). */
  file: string;
  config: ConfigFile;
  env: EnvSettings;
  /** Problems that do not stop the service (a plaintext secret), located like errors. */
  warnings?: readonly ConfigIssue[];
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const port = env.PORT ? Number(env.PORT) : undefined;
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.EARSHOT_DATA_DIR || './data',
    logLevel: env.LOG_LEVEL || 'info',
    port: port !== undefined && Number.isInteger(port) ? port : undefined,
    anthropicApiKey: env.ANTHROPIC_API_KEY || undefined,
    secretKey: env.EARSHOT_SECRET_KEY || undefined,
    httpsProxy: env.HTTPS_PROXY || env.https_proxy || undefined,
    configPath: env.EARSHOT_CONFIG || undefined,
  };
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function positionOf(lc: LineCounter, offset: number): { line: number; col: number } {
  const p = lc.linePos(offset);
  return { line: p.line, col: p.col };
}

/** Replace `${VAR}` references in every scalar, reporting missing variables at their position. */
function substituteEnv(
  doc: Document,
  lc: LineCounter,
  file: string,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
) {
  const visit = (node: unknown, p: (string | number)[]) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        visit(pair.value, [...p, key]);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) visit(item, [...p, i]);
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      node.value = node.value.replace(ENV_REF, (_m, name: string) => {
        const v = env[name];
        if (v === undefined || v === '') {
          const pos = positionOf(lc, node.range?.[0] ?? 0);
          issues.push({
            file,
            ...pos,
            path: formatPath(p),
            message: `environment variable ${name} is not set`,
          });
          return '';
        }
        return v;
      });
    }
  };
  visit(doc.contents, []);
}

/** `clientSecret` -> `CLIENT_SECRET`, for the suggested environment variable. */
const envNameOf = (key: string) =>
  key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();

/**
 * Values under any `secrets:` map (sources, alert channels) written in the file itself rather
 * than as `${ENV}` references: they end up in backups, diffs and screenshots of the file.
 */
function plaintextSecrets(doc: Document, lc: LineCounter, file: string): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const visit = (node: unknown, p: (string | number)[]) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (key === 'secrets' && isMap(pair.value)) {
          for (const s of pair.value.items) {
            const name = isScalar(s.key) ? String(s.key.value) : String(s.key);
            const v = s.value;
            if (!isScalar(v) || v.value === null || v.value === '') continue;
            if (typeof v.value === 'string' && new RegExp(ENV_REF.source).test(v.value)) continue;
            out.push({
              file,
              ...positionOf(lc, v.range?.[0] ?? 0),
              path: formatPath([...p, key, name]),
              message: `plaintext secret in the config file; write it as an environment reference such as "\${${envNameOf(name)}}" and set that variable where the service runs`,
            });
          }
        } else visit(pair.value, [...p, key]);
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) visit(item, [...p, i]);
    }
  };
  visit(doc.contents, []);
  return out;
}

/** A warning as the CLI prints it: `earshot.yaml:12:20 warning: sources[1].secrets.x: ...`. */
export function formatConfigWarning(w: ConfigIssue): string {
  return `${w.file}:${w.line}:${w.col} warning: ${w.path ? `${w.path}: ` : ''}${w.message}`;
}

export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

/** The node at `p`, or the deepest existing ancestor (for "Required" issues). */
function nodeAt(doc: Document, p: readonly PropertyKey[]): Node | undefined {
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n) as unknown[], true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return node;
    if (n === 0) return doc.contents ?? undefined;
  }
  return undefined;
}

/** The registries the grammar is built from, and what else parsing needs. */
export interface ParseConfigOptions extends ConfigPlugins {
  validateQuery?: QueryValidator;
  env?: NodeJS.ProcessEnv;
  /** Receives problems that do not invalidate the file (plaintext secrets). */
  onWarning?: (w: ConfigIssue) => void;
}

/**
 * Parse and validate config text. Errors carry `file:line:col path: message`.
 *
 * @example
 * const cfg = parseConfig(text, 'earshot.yaml', { collectors, channels, classifiers });
 */
export function parseConfig(text: string, file: string, opts: ParseConfigOptions): ConfigFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const issues: ConfigIssue[] = explainYamlErrors(text, doc, lc).map((i) => ({ file, path: '', ...i }));
  if (issues.length) throw new ConfigError(issues);
  const aliases = unresolvedAliases(text, doc, lc);
  if (aliases.length) throw new ConfigError(aliases.map((i) => ({ file, path: '', ...i })));
  for (const w of plaintextSecrets(doc, lc, file)) opts.onWarning?.(w);
  substituteEnv(doc, lc, file, opts.env ?? process.env, issues);
  if (issues.length) throw new ConfigError(issues);
  let data: unknown;
  try {
    data = doc.toJS() ?? {};
  } catch (e) {
    // An alias bomb (the library caps alias expansion) or another value the library cannot build.
    throw new ConfigError([
      { file, line: 1, col: 1, path: '', message: `YAML error: ${(e as Error).message}` },
    ]);
  }
  const r = configSchema(opts, opts.validateQuery).safeParse(data);
  if (!r.success) throw new ConfigError(zodIssues(r.error, doc, lc, file, text));
  return deepFreeze(r.data);
}

function zodIssues(
  err: z.ZodError,
  doc: Document,
  lc: LineCounter,
  file: string,
  text: string,
): ConfigIssue[] {
  return err.issues.map((i) => {
    const node = nodeAt(doc, i.path);
    const pos = positionOf(lc, node?.range?.[0] ?? 0);
    let message = i.message;
    // `query: #acme` is an empty value followed by a comment, not the hashtag.
    if (isScalar(node) && node.value === null && node.range && /^[ \t]*#/.test(text.slice(node.range[0])))
      message += ` (the value is empty: # starts a comment in YAML; quote a value that starts with #, e.g. "#${node.comment?.trim() ?? ''}")`;
    return { file, ...pos, path: formatPath(i.path), message };
  });
}

export function loadConfigFile(filePath: string, opts: ParseConfigOptions): ConfigFile {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (e) {
    throw new ConfigError([
      {
        file: filePath,
        line: 1,
        col: 1,
        path: '',
        message: `cannot read config file: ${(e as Error).message}`,
      },
    ]);
  }
  return parseConfig(text, filePath, opts);
}

/** The config path: --config, then EARSHOT_CONFIG, then ./earshot.yaml, then the bundled example. */
export function resolveConfigPath(
  explicit: string | undefined,
  env: EnvSettings,
  exists: (p: string) => boolean,
): string {
  if (explicit) return explicit;
  if (env.configPath) return env.configPath;
  if (exists('earshot.yaml')) return 'earshot.yaml';
  return 'earshot.example.yaml';
}

export function loadRuntimeConfig(
  explicitPath: string | undefined,
  opts: ParseConfigOptions & { exists: (p: string) => boolean },
): RuntimeConfig {
  const env = readEnv(opts.env);
  const file = resolveConfigPath(explicitPath, env, opts.exists);
  const warnings: ConfigIssue[] = [];
  const config = loadConfigFile(file, {
    ...opts,
    onWarning: (w) => {
      warnings.push(w);
      opts.onWarning?.(w);
    },
  });
  return Object.freeze({ file, config, env: Object.freeze(env), warnings: Object.freeze(warnings) });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
