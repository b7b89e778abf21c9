import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The package's root folder (where its package.json is), from the compiled or bundled code. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && (JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === 'cxgenie-kb-sync')
      return dir;
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the cxgenie-kb-sync package.json');
}

/** package.json's version, written into the bundle by the build (.esbuild.js). */
declare const __KB_SYNC_VERSION__: string | undefined;

/** The package version: the bundle's, or package.json's (dist/cli is two levels below it). */
export const VERSION: string =
  typeof __KB_SYNC_VERSION__ === 'string'
    ? __KB_SYNC_VERSION__
    : (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
