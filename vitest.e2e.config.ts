import { defineConfig } from 'vitest/config';

/** End-to-end tests of the web playground in headless Chromium (test/e2e; npm run e2e). */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
