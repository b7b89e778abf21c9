import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Lives in test/ so the project's top level stays as the brief fixes it; the root is the repo.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    // Ceilings, not expectations: a test waits by polling for what it needs, so on an idle
    // machine none comes near these; on a loaded CI runner (several processes per core) the
    // e2e tests, each starting the CLI a few times, can take ten times as long as alone.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // A test that asserts nothing fails (a property whose every case returned early, say).
    expect: { requireAssertions: true },
    pool: 'forks',
    // Two cores: integration and e2e tests spawn processes and servers of their own.
    maxWorkers: 2,
  },
});
