/**
 * Build step: write `kb-sync --help` to dist/bin/help.txt, which main.ts prints without loading
 * yargs. Run by `npm run build` after the bundle.
 */
import fs from 'node:fs';
import { buildCli } from './cli.js';

const out = new URL('../bin/help.txt', import.meta.url);
const text = await buildCli([]).getHelp();
fs.writeFileSync(out, `${text}\n`);
