import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Lives in test/ so the project's top level stays as the brief fixes it; the root is the repo.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two cores: integration and e2e tests spawn processes and servers of their own.
    maxWorkers: 2,
  },
});
