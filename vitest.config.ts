import { defineConfig } from 'vitest/config'

/**
 * Two tiers. `unit` (test/unit/): pure code and single objects, no network, no dist/ build,
 * seconds in all: `npm run test:unit`. `integration` (the rest of test/): real libp2p nodes,
 * LevelDB, HTTP servers, subprocesses and Chromium; it builds dist/ once first for the tests
 * that run the built CLI. `npm test` runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // real libp2p nodes per test file: keep files in separate workers but not too many on 2 cores
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.spec.ts'] }
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.spec.ts'],
          exclude: ['test/unit/**'],
          globalSetup: ['test/setup/global.ts']
        }
      }
    ]
  }
})
