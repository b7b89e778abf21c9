import fs from 'node:fs';
import Database from 'better-sqlite3';
import { parseGitSnapshot } from './bots.js';

/**
 * The index checksums the state's git snapshots recorded (any bot), read before the run opens
 * the state: a read-only look (as `plan` takes) that waits for no lock and never fails (a missing,
 * locked, older or damaged state knows none). It is only a hint, for starting git's listing at
 * once when the index is new to the state; the run itself decides on the state it opened.
 */
export function knownGitIndexes(stateFile: string): Set<string> {
  const known = new Set<string>();
  if (!fs.existsSync(stateFile)) return known;
  let db: Database.Database | undefined;
  try {
    db = new Database(stateFile, { readonly: true, fileMustExist: true, timeout: 0 });
    for (const v of db.prepare('SELECT git_snapshot FROM bots WHERE git_snapshot IS NOT NULL').pluck().all()) {
      const checksum = parseGitSnapshot(v as string)?.index?.checksum;
      if (checksum) known.add(checksum);
    }
  } catch {
    // Known: none. The run opens the state itself, and says what is wrong with it.
  } finally {
    db?.close();
  }
  return known;
}
