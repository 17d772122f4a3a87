import { defineConfig } from 'vitest/config';

/**
 * Four projects:
 * - `unit`: fast in-process tests (plugins, parsers, rendering, the query language);
 * - `e2e`: tests that start processes (the CLI, `earshot start`, a browser) or several Node
 *   processes at once. Each child loads the sources through tsx (1–3 s) and opens PGlite, so they
 *   are kept out of `unit`: `npx vitest run --project unit` is the quick loop. A test file that
 *   spawns the CLI or tsx lives in `tests/e2e/` or is named `*.e2e.test.ts` (tests/floors.test.ts
 *   checks it);
 * - the storage suite (`tests/db/**`, and the API tests in `tests/api/**`, which store through
 *   the routes) twice, once on embedded PGlite and once on a real PostgreSQL (DATABASE_URL or
 *   127.0.0.1:5432).
 * `npm test` runs all four.
 */
const storage = ['tests/db/**/*.test.ts', 'tests/api/**/*.test.ts'];
const e2e = ['tests/e2e/**/*.test.ts', 'tests/**/*.e2e.test.ts'];
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/db/**', 'tests/api/**', ...e2e, 'node_modules/**'],
        },
      },
      {
        extends: true,
        test: { name: 'e2e', include: e2e },
      },
      {
        extends: true,
        test: {
          name: 'db-pglite',
          include: storage,
          env: { EARSHOT_TEST_DB: 'pglite' },
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'db-postgres',
          include: storage,
          env: { EARSHOT_TEST_DB: 'postgres' },
          testTimeout: 60_000,
        },
      },
    ],
  },
});
