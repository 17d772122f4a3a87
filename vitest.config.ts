import { defineConfig } from 'vitest/config';

/**
 * Three projects: fast unit/plugin tests, and the storage suite (`tests/db/**`, and the API
 * tests in `tests/api/**`, which store through the routes) twice, once on embedded PGlite and
 * once on a real PostgreSQL (DATABASE_URL or 127.0.0.1:5432).
 */
const storage = ['tests/db/**/*.test.ts', 'tests/api/**/*.test.ts'];
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
          exclude: ['tests/db/**', 'tests/api/**', 'node_modules/**'],
        },
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
