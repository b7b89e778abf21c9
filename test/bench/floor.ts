import { LISTING, viewCommands } from '../../src/scan/git.js';

/**
 * The floor of a no-op for any Node program that asks git the way kb-sync does: start Node, run
 * kb-sync's own git commands at once from the folder (one shell, outputs to files, as
 * src/scan/git-run.ts does), open the state with better-sqlite3 meanwhile and read its bots, then
 * hash git's listing, or (when the state knows the index by its checksum, src/scan/git-index.ts)
 * read the index file's last bytes instead of listing it. No CLI, no configuration, no checks, no
 * report. kb-sync's no-op ratio cannot go below this one's: when it is over a target, the target
 * is out of reach for Node on this machine (its start alone is most of it at 20,000 files).
 */
export const FLOOR = `
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
const [root, stateFile, repo, commandsJson] = process.argv.slice(1);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-floor-'));
const q = (a) => "'" + a.split("'").join("'" + '"' + "'" + '"' + "'") + "'";
const script = JSON.parse(commandsJson).map((args, i) => 'git ' + args.map(q).join(' ') + ' >' + dir + '/' + i + '.out 2>/dev/null &').join(String.fromCharCode(10)) + String.fromCharCode(10) + 'wait';
const sh = spawn('/bin/sh', ['-c', script], { cwd: root, stdio: 'ignore', env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } });
const Database = createRequire(path.join(repo, 'package.json'))('better-sqlite3');
const db = new Database(stateFile, { readonly: true });
const bots = db.prepare('SELECT * FROM bots').all().length;
await new Promise((resolve) => sh.on('close', resolve));
const listed = fs.existsSync(path.join(dir, '3.out'));
const indexFile = path.resolve(root, fs.readFileSync(path.join(dir, '0.out'), 'utf8').trim().split(String.fromCharCode(10)).pop());
const listing = listed
  ? createHash('sha256').update(fs.readFileSync(path.join(dir, '3.out'))).digest('hex')
  : (() => {
      const fd = fs.openSync(indexFile, 'r');
      const tail = Buffer.alloc(32);
      fs.readSync(fd, tail, 0, 32, fs.fstatSync(fd).size - 32);
      fs.closeSync(fd);
      return tail.toString('hex');
    })();
const status = fs.readFileSync(path.join(dir, '2.out')).length;
fs.rmSync(dir, { recursive: true, force: true });
console.log(bots, listing.slice(0, 12), status);
`;

/**
 * node's arguments to run the floor for the folder `root`, its state file, and this repository;
 * `listing`: whether git lists the index (a state that does not know it: a fresh clone's).
 */
export function floorArgs(root: string, stateFile: string, repo: string, listing: boolean): string[] {
  const commands = [...viewCommands(false), ...(listing ? [[...LISTING]] : [])];
  return ['--input-type=module', '-e', FLOOR, root, stateFile, repo, JSON.stringify(commands)];
}
