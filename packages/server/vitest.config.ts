import { defineConfig } from 'vitest/config';

// These tests start real server processes and measure timing; run the files one at a time so
// they do not compete for the machine's cores.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
