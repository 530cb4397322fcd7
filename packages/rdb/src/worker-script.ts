import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The compiled file of one of this package's worker threads. vitest runs the TypeScript
 * sources, but a worker must run the compiled file, so from src/ it is found in dist/.
 */
export function workerScript(name: string): URL {
  const beside = new URL(`./${name}.js`, import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside : new URL(`../dist/${name}.js`, import.meta.url);
}
