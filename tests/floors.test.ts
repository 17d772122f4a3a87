import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of docs/architecture.md ("What may import what"), checked on the sources.
 * Each rule lists the files that break it, so a failure names the import to remove.
 */

const root = fileURLToPath(new URL('..', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'migrations' ? [] : walk(rel);
    return /\.tsx?$/.test(e.name) ? [rel] : [];
  });
}

interface Import {
  /** Repo-relative path of the imported file, or the package name. */
  target: string;
  typeOnly: boolean;
}

const IMPORT_RE =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[3] ?? m[4]!;
    const target = spec.startsWith('.')
      ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec))
      : spec;
    out.push({ target, typeOnly: Boolean(m[2]) });
  }
  return out;
}

const sources = ['src', 'collectors', 'classifiers', 'alerts', 'db'].flatMap(walk);
const local = (i: Import) => /^(src|collectors|classifiers|alerts|db|bin|bench|tests)\//.test(i.target);

/**
 * The core's leaf modules: they import nothing of the app but each other, so plugins and
 * contracts may use them without reaching the database, the config or the wiring.
 */
const LEAF = new Set([
  'src/errors.ts',
  'src/log.ts',
  'src/clock.ts',
  'src/ids.ts',
  'src/text.ts',
  'src/mention.ts',
  'src/html.ts',
  'src/net/types.ts',
  'src/net/rate-limit.ts',
  'src/net/blocked-page.ts',
  'src/net/response.ts',
]);

/** Plugin areas: a plugin imports its own area and the leaf modules. */
const PLUGIN_AREAS: Record<string, (target: string) => boolean> = {
  'collectors/': (t) => t.startsWith('collectors/'),
  'classifiers/': (t) => t.startsWith('classifiers/'),
  'alerts/channels/': (t) => t.startsWith('alerts/channels/') || t === 'alerts/types.ts',
};

/** `file -> target` for every local import of `files` that `allowed` refuses. */
function offending(files: string[], allowed: (target: string, i: Import) => boolean): string[] {
  return files.flatMap((f) =>
    importsOf(f)
      .filter((i) => local(i) && !allowed(i.target, i))
      .map((i) => `${f} -> ${i.target}`),
  );
}

describe('what may import what', () => {
  it('the scanner sees imports (sanity)', () => {
    expect(importsOf('alerts/engine.ts').map((i) => i.target)).toContain('alerts/rules.ts');
    expect(importsOf('src/cli/main.ts').map((i) => i.target)).toContain('src/registry.ts');
    expect(sources.length).toBeGreaterThan(150);
  });

  it('plugins import their own area and the leaf modules only: never db/, the deps, the config or the pipeline', () => {
    for (const [area, own] of Object.entries(PLUGIN_AREAS)) {
      const files = sources.filter((f) => f.startsWith(area));
      expect(files.length, area).toBeGreaterThan(3);
      expect(
        offending(files, (t) => own(t) || LEAF.has(t)),
        area,
      ).toEqual([]);
    }
  });

  it('plugins read no environment variable (only src/config/load.ts does)', () => {
    const readers = sources.filter((f) => /process\.env\b/.test(readFileSync(path.join(root, f), 'utf8')));
    expect(readers).toEqual(['src/config/load.ts']);
  });

  it('leaf modules import only leaf modules', () => {
    expect(offending([...LEAF], (t) => LEAF.has(t))).toEqual([]);
  });

  it('the config grammar and loader import the plugin contracts only, never alerting or plugin code', () => {
    const contracts = new Set([
      'collectors/types.ts',
      'classifiers/types.ts',
      'alerts/types.ts',
      'alerts/schema.ts',
    ]);
    // src/config/sync.ts writes the parsed config into the database: wiring, not grammar.
    const files = sources.filter((f) => f.startsWith('src/config/') && f !== 'src/config/sync.ts');
    expect(offending(files, (t) => t.startsWith('src/config/') || LEAF.has(t) || contracts.has(t))).toEqual(
      [],
    );
    // The contracts themselves stay contracts: the alerting grammar builds on the plugin-entry
    // grammar and its own types, nothing of the engine, the rules or the channels.
    expect(
      offending(
        ['alerts/schema.ts', 'alerts/types.ts', 'collectors/types.ts', 'classifiers/types.ts'],
        (t) =>
          ['alerts/types.ts', 'src/config/plugins.ts'].includes(t) ||
          LEAF.has(t) ||
          t.startsWith('collectors/_lib/'),
      ),
    ).toEqual([]);
  });

  it('the alerting core takes what it needs through AlertDeps: no deps bag, pipeline, API or CLI', () => {
    const files = sources.filter((f) => f.startsWith('alerts/') && !f.startsWith('alerts/channels/'));
    expect(
      offending(
        files,
        (t) => !/^src\/(deps\.ts|registry\.ts|service\.ts|pipeline\/|api\/|cli\/|profiles\/)/.test(t),
      ),
    ).toEqual([]);
  });

  it('db/ imports nothing from the app but types', () => {
    const files = sources.filter((f) => f.startsWith('db/'));
    expect(offending(files, (t, i) => t.startsWith('db/') || i.typeOnly)).toEqual([]);
  });
});

describe('tests that start processes run in the e2e project', () => {
  it('a test file that spawns the CLI or tsx lives in tests/e2e/ or is named *.e2e.test.ts', () => {
    const tests = walk('tests').filter((f) => /\.test\.tsx?$/.test(f) && f !== 'tests/floors.test.ts');
    const spawning = tests.filter((f) =>
      /bin\/earshot\.js|earshot-process\.ts|['"]tsx['"]|'--import'/.test(
        readFileSync(path.join(root, f), 'utf8'),
      ),
    );
    expect(spawning.length).toBeGreaterThan(4);
    expect(spawning.filter((f) => !f.startsWith('tests/e2e/') && !f.endsWith('.e2e.test.ts'))).toEqual([]);
  });
});
