import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    setupFiles: ['test/support/privacyGuard.ts'],
    pool: 'forks',
    // End-to-end tests start real servers and processes; this bounds a hang, it asserts nothing about speed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
