import { defineConfig } from 'vitest/config';

/**
 * `npm run test:browser`: tests that drive a real headless Chromium (Debian's `chromium` package through
 * puppeteer-core). Kept out of `npm test` (whose pattern is `*.test.ts`) so the main suite runs on a
 * machine without a browser; `.ci/run` installs chromium and runs both.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    setupFiles: ['test/support/privacyGuard.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
