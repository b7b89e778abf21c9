import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseGitSnapshot } from '../../src/state/bots.js';
import { knownGitIndexes } from '../../src/state/peek.js';
import { StateStore } from '../../src/state/store.js';
import { tempDir } from '../helpers/fs.js';

const KEY = 'a'.repeat(64);
const LISTING = 'b'.repeat(64);
const CHECKSUM = `9e28ea-${'c'.repeat(64)}`;

describe('git snapshots in the state', () => {
  it('keep the index checksum and listing hash beside the key; an older value still reads, a damaged one does not', () => {
    const dir = tempDir('kb-state-snap-');
    const store = StateStore.open(path.join(dir, 'state.db'));
    store.ensureBot('bot', 'http://127.0.0.1:1/api');
    const index = { checksum: CHECKSUM, listingHash: LISTING };
    store.setGitSnapshot('bot', { key: KEY, unlooked: 7, paths: ['a.md'], index });
    expect(store.gitSnapshot('bot')).toEqual({ key: KEY, unlooked: 7, paths: ['a.md'], index });
    store.setGitSnapshot('bot', { key: KEY, unlooked: 8, paths: [] });
    expect(store.gitSnapshot('bot')).toEqual({ key: KEY, unlooked: 8, paths: [], index: undefined });
    store.close();
    expect(parseGitSnapshot(`${KEY} 3`)).toEqual({ key: KEY, unlooked: 3, index: undefined });
    for (const bad of [`${KEY} 3 ${LISTING}`, `${KEY} 3 ${LISTING} nothex`, `${KEY}`, '', null, undefined])
      expect(parseGitSnapshot(bad), String(bad)).toBeUndefined();
  });

  it('are peeked at without changing the state file, and a missing, foreign or older state knows no index', () => {
    const dir = tempDir('kb-state-peek-');
    const file = path.join(dir, 'state.db');
    expect(knownGitIndexes(file).size).toBe(0);
    expect(fs.readdirSync(dir)).toEqual([]);
    const store = StateStore.open(file);
    for (const bot of ['one', 'two', 'three']) store.ensureBot(bot, 'http://127.0.0.1:1/api');
    store.setGitSnapshot('one', {
      key: KEY,
      unlooked: 1,
      paths: [],
      index: { checksum: CHECKSUM, listingHash: LISTING },
    });
    store.setGitSnapshot('two', { key: KEY, unlooked: 1, paths: [] });
    store.close();
    const before = fs.readFileSync(file);
    expect([...knownGitIndexes(file)]).toEqual([CHECKSUM]);
    // A read-only look, as `kb-sync plan` takes (SQLite may leave its -wal and -shm files beside it).
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    // While a run holds the state open (WAL files beside it), the peek still reads it.
    const open = StateStore.open(file);
    expect([...knownGitIndexes(file)]).toEqual([CHECKSUM]);
    open.close();
    const foreign = path.join(dir, 'foreign.db');
    fs.writeFileSync(foreign, 'not a database at all, but long enough to look like a header to someone');
    expect(knownGitIndexes(foreign).size).toBe(0);
    expect(fs.readFileSync(foreign, 'utf8')).toMatch(/^not a database/);
    // An older state, from before snapshots: its bots table has no such column.
    const older = path.join(dir, 'older.db');
    const db = new Database(older);
    db.exec("CREATE TABLE bots (bot_id TEXT PRIMARY KEY); INSERT INTO bots VALUES ('one')");
    db.close();
    expect(knownGitIndexes(older).size).toBe(0);
  });
});
