import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.spec.ts'],
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // real libp2p nodes per test file: keep files in separate workers but not too many on 2 cores
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true
  }
})
