#!/usr/bin/env node
/**
 * The entry point. `kb-sync --help` and `--version` are answered here from the help text the
 * build wrote next to this file, without loading yargs (they are the commands people run most
 * often to get started, and should be instant); everything else goes to cli.ts.
 */
import fs from 'node:fs';
import { VERSION } from './version.js';

// A reader that stops early (`kb-sync status | head -1`) is not an error. (exit.ts is loaded
// then: help and the version load nothing they do not use.)
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    void import('./exit.js').then(({ exitNow }) => exitNow(Number(process.exitCode ?? 0)));
  });
}

const args = process.argv.slice(2);
const only = args.length === 1 ? args[0] : undefined;

function cachedHelp(): string | undefined {
  if (process.env.KB_SYNC_NO_HELP_CACHE) return undefined;
  try {
    return fs.readFileSync(new URL('./help.txt', import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
}

const help = only === '--help' || only === '-h' ? cachedHelp() : undefined;
if (only === '--version' || only === '-V') {
  process.stdout.write(`${VERSION}\n`);
} else if (help !== undefined) {
  process.stdout.write(help);
} else {
  // Loaded here, not above: help and the version need none of it (git's modules among it).
  const [{ tuneHeap, tuneWasm }, { prefetchGit }] = await Promise.all([import('./heap.js'), import('./prefetch.js')]);
  tuneHeap();
  tuneWasm();
  prefetchGit(args);
  const { runCli } = await import('./cli.js');
  await runCli(args);
}
