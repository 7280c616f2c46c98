import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The page imports wavesurfer.js from the path the panel serves it at; unit tests of the page read it from the package.
  resolve: { alias: { '/vendor/wavesurfer': fileURLToPath(new URL('node_modules/wavesurfer.js/dist', import.meta.url)) } },
  test: {
    include: ['src/**/*.test.ts', 'standins/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration and browser tests start real servers and Chromium: keep the 2-core CI machine calm.
    maxWorkers: 2,
  },
})
