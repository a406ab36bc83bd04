import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./test/globalSetup.ts'],
    include: ['**/*.test.ts', '**/*.test.tsx'],
    exclude: ['node_modules/**', '.tools/**', '.data/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Files share one Temporal server and one database; each builds its own organisation and task queue.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
