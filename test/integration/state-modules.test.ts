import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Bots } from '../../src/state/bots.js';
import { openConnection, type Db } from '../../src/state/connection.js';
import { entryMatchesBlob, entryMatchesSig, Files, type FileRecord } from '../../src/state/files.js';
import { Items } from '../../src/state/items.js';
import { Journal } from '../../src/state/journal.js';
import { Lists } from '../../src/state/lists.js';
import { LockRow } from '../../src/state/lock-row.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/state/migrations.js';
import { Digest, pairLanes } from '../../src/scan/digest.js';
import { Runs } from '../../src/state/runs.js';
import { rebaseSource, Sources } from '../../src/state/sources.js';
import { exportSnapshot, importSnapshot } from '../../src/state/snapshot.js';
import { StateStore } from '../../src/state/store.js';
import { tempDir } from '../helpers/fs.js';

/** Each module of the state store on its own, over one connection to a real SQLite file. */

function open(): { db: Db; file: string; bots: Bots; files: Files; lists: Lists; items: Items; journal: Journal } {
  const file = path.join(tempDir(), 'state.db');
  const db = openConnection(file, false);
  const bots = new Bots(db);
  const files = new Files(db);
  const lists = new Lists(db);
  const items = new Items(db, bots, lists);
  const journal = new Journal(db, items, lists, files);
  bots.ensure('b', 'http://api');
  return { db, file, bots, files, lists, items, journal };
}

const pushed = (key: string, hash: string, remoteId: string) => ({
  key,
  hash,
  payloadHash: `p-${hash}`,
  type: 'TEXT' as const,
  label: key.toUpperCase(),
  remoteId,
  sourceFile: 'a.md',
  sourceLine: 1,
});

const rec = (
  p: string,
  items: { key: string; hash: string }[] | undefined,
  error: string | null = null,
): FileRecord => ({
  path: p,
  kind: 'article',
  sig: 'sig',
  racy: false,
  contentHash: null,
  error,
  ...(items ? { items } : {}),
});

describe('bots', () => {
  it('keeps the fingerprint, the sync times (first stays) and an item counter that never goes below 0', () => {
    const { bots } = open();
    expect(bots.get('nobody')).toBeUndefined();
    bots.setFingerprint('b', 'fp1');
    bots.markSynced('b');
    const first = bots.get('b')?.firstSyncedAt;
    bots.markSynced('b');
    expect(bots.get('b')).toMatchObject({ botId: 'b', apiBaseUrl: 'http://api', extractFingerprint: 'fp1' });
    expect(bots.get('b')?.firstSyncedAt).toBe(first);
    bots.bumpItems('b', 3);
    bots.bumpItems('b', -5);
    expect(bots.itemCount('b')).toBe(0);
    expect(bots.itemCount('nobody')).toBe(0);
  });
});

describe('files', () => {
  it('a file is skippable (in the index with its signature) only when every key it yields is in the bot', () => {
    const { files, journal } = open();
    files.record('b', [rec('a.md', [{ key: 'k1', hash: 'h1' }])]);
    expect(files.index('b').get('a.md')).toBe('');
    journal.begin('b', { key: 'k1', hash: 'h1', type: 'TEXT', label: 'K1', sourceFile: 'a.md' }, null);
    journal.complete('b', pushed('k1', 'h1', 'r1'), null);
    files.record('b', [rec('a.md', [{ key: 'k1', hash: 'h1' }])]);
    expect(files.index('b').get('a.md')).toBe('article||sig');
    // A newer version of the key that is not pushed yet: read again next time.
    files.record('b', [rec('a.md', [{ key: 'k1', hash: 'h2' }])]);
    expect(files.index('b').get('a.md')).toBe('');
    // An error, or a failed read that keeps the old mapping, is never skippable.
    files.record('b', [rec('a.md', [{ key: 'k1', hash: 'h1' }], 'broken')]);
    expect(files.load('b').get('a.md')).toMatchObject({ synced: false, error: 'broken' });
    files.record('b', [rec('a.md', undefined)]);
    expect(files.keys('b', ['a.md']).get('a.md')).toEqual([{ key: 'k1', hash: 'h1' }]);
    expect(files.load('b').get('a.md')?.synced).toBe(false);
  });

  it('knows which keys other files still yield, forgets files, and can mark every file unsynced', () => {
    const { files, journal } = open();
    journal.complete('b', pushed('k', 'h', 'r'), null);
    files.record('b', [rec('a.md', [{ key: 'k', hash: 'h' }]), rec('b.md', [{ key: 'k', hash: 'h' }])]);
    expect([...files.keysHeldElsewhere('b', ['k', 'x'], new Set(['a.md']))]).toEqual(['k']);
    expect([...files.keysHeldElsewhere('b', ['k'], new Set(['a.md', 'b.md']))]).toEqual([]);
    expect(files.load('b').get('b.md')?.synced).toBe(true);
    files.markAllUnsynced('b');
    expect([...files.load('b').values()].every((f) => !f.synced)).toBe(true);
    files.forget('b', ['a.md']);
    expect([...files.load('b').keys()]).toEqual(['b.md']);
    expect(files.keys('b', ['a.md']).get('a.md')).toEqual([]);
  });
});

describe('files: blob ids (the git path)', () => {
  it('the index is `kind|blob|sig`: a racy file keeps its blob id but no signature; an unsettled one has neither', () => {
    const { files, journal } = open();
    journal.complete('b', pushed('k1', 'h1', 'r1'), null);
    files.record('b', [{ ...rec('a.md', [{ key: 'k1', hash: 'h1' }]), blob: 'b1' }]);
    expect(files.index('b').get('a.md')).toBe('article|b1|sig');
    files.record('b', [{ ...rec('a.md', [{ key: 'k1', hash: 'h1' }]), blob: 'b1', racy: true }]);
    expect(files.index('b').get('a.md')).toBe('article|b1|');
    files.record('b', [{ ...rec('a.md', [{ key: 'k1', hash: 'h1' }]), sig: null, blob: null }]);
    expect(files.index('b').get('a.md')).toBe('');
    expect(files.load('b').get('a.md')).toMatchObject({ blob: null, sig: null });
  });

  it("setBlobs records git's id for files as they are, and only for the paths given", () => {
    const { files, journal } = open();
    journal.complete('b', pushed('k1', 'h1', 'r1'), null);
    files.record('b', [rec('a.md', [{ key: 'k1', hash: 'h1' }]), rec('c.md', [{ key: 'k1', hash: 'h1' }])]);
    files.setBlobs('b', [{ path: 'a.md', blob: 'git-id' }]);
    expect(files.index('b').get('a.md')).toBe('article|git-id|sig');
    expect(files.index('b').get('c.md')).toBe('article||sig');
  });

  it('entryMatchesSig and entryMatchesBlob read the entry exactly (kind, then blob, then signature)', () => {
    expect(entryMatchesSig('article|b1|1:2:3:4', 'article', '1:2:3:4')).toBe(true);
    expect(entryMatchesSig('article||1:2:3:4', 'article', '1:2:3:4')).toBe(true);
    expect(entryMatchesSig('article|b1|1:2:3:4', 'qa', '1:2:3:4')).toBe(false);
    expect(entryMatchesSig('article|b1|11:2:3:4', 'article', '1:2:3:4')).toBe(false);
    expect(entryMatchesSig('article|b1|', 'article', '')).toBe(false);
    expect(entryMatchesSig('', 'article', '1:2:3:4')).toBe(false);
    expect(entryMatchesSig(undefined, 'article', '1:2:3:4')).toBe(false);
    expect(entryMatchesBlob('article|b1|1:2:3:4', 'article', 'b1')).toBe(true);
    expect(entryMatchesBlob('article|b1|', 'article', 'b1')).toBe(true);
    expect(entryMatchesBlob('article|b12|', 'article', 'b1')).toBe(false);
    expect(entryMatchesBlob('article||1:2', 'article', '')).toBe(false);
    expect(entryMatchesBlob('urls|b1|', 'article', 'b1')).toBe(false);
    expect(entryMatchesBlob('', 'article', 'b1')).toBe(false);
  });

  it('the digest sums the lanes of the files that may be skipped; entries give an entry and its lanes', () => {
    const { files, journal } = open();
    journal.complete('b', pushed('k1', 'h1', 'r1'), null);
    files.record('b', [
      { ...rec('a.md', [{ key: 'k1', hash: 'h1' }]), blob: 'a'.repeat(40) },
      { ...rec('b.md', [{ key: 'k1', hash: 'h1' }]), blob: 'b'.repeat(40) },
      { ...rec('c.md', [{ key: 'k1', hash: 'h1' }], 'broken'), blob: 'c'.repeat(40) },
      rec('d.md', [{ key: 'k1', hash: 'h1' }]),
    ]);
    const want = new Digest();
    want.add(pairLanes('a.md', 'a'.repeat(40)));
    want.add(pairLanes('b.md', 'b'.repeat(40)));
    const d = files.digest('b');
    expect(d.files).toBe(4);
    expect(want.equals(d)).toBe(true);
    files.setBlobs('b', [{ path: 'd.md', blob: 'd'.repeat(40) }]);
    want.add(pairLanes('d.md', 'd'.repeat(40)));
    expect(want.equals(files.digest('b'))).toBe(true);
    const e = files.entries('b', ['a.md', 'c.md', 'nope.md']);
    expect([...e.keys()]).toEqual(['a.md', 'c.md']);
    expect(e.get('a.md')).toEqual({ entry: `article|${'a'.repeat(40)}|sig`, lanes: pairLanes('a.md', 'a'.repeat(40)) });
    expect(e.get('c.md')).toEqual({ entry: '', lanes: undefined });
    // Outside the digest: c.md (an error); d.md was outside until git's blob id was learnt.
    expect(files.outsideDigest('b', 10)).toEqual(['c.md']);
    files.markAllUnsynced('b');
    expect(files.digest('b')).toMatchObject({ files: 4, count: 0 });
    expect(files.outsideDigest('b', 10)?.sort()).toEqual(['a.md', 'b.md', 'c.md', 'd.md']);
    expect(files.outsideDigest('b', 3)).toBeUndefined();
  });

  it("git's index snapshot is cleared by a write to any of the bot's files but those looked at on every run", () => {
    const { files, bots, journal } = open();
    bots.ensure('b', 'https://api.example.com');
    bots.ensure('other', 'https://api.example.com');
    journal.complete('b', pushed('k1', 'h1', 'r1'), null);
    const key = 'f'.repeat(64);
    const snap = { key, unlooked: 7, paths: ['looked.md'] };
    const writes: [string, () => void][] = [
      ['a new file', () => files.record('b', [rec('a.md', [{ key: 'k1', hash: 'h1' }])])],
      ['a file read again', () => files.record('b', [rec('a.md', [{ key: 'k1', hash: 'h2' }])])],
      ["git's id learnt", () => files.setBlobs('b', [{ path: 'a.md', blob: 'a'.repeat(40) }])],
      ['every file unsynced', () => files.markAllUnsynced('b')],
      ['a file forgotten', () => files.forget('b', ['a.md'])],
    ];
    for (const [what, write] of writes) {
      bots.setGitSnapshot('b', snap);
      bots.setGitSnapshot('other', { ...snap, unlooked: 3 });
      expect(bots.gitSnapshot('b'), what).toEqual(snap);
      write();
      expect(bots.gitSnapshot('b'), what).toBeUndefined();
      expect(bots.gitSnapshot('other'), what).toEqual({ ...snap, unlooked: 3 });
    }
    // Writes to a file looked at on every run leave it.
    bots.setGitSnapshot('b', snap);
    files.record('b', [rec('looked.md', [{ key: 'k1', hash: 'h1' }])]);
    files.record('b', [rec('looked.md', [{ key: 'k1', hash: 'h3' }], 'broken now')]);
    files.forget('b', ['looked.md']);
    expect(bots.gitSnapshot('b')).toEqual(snap);
    // A new snapshot replaces the looked-at files.
    bots.setGitSnapshot('b', { key, unlooked: 1, paths: ['x.md', 'y.md'] });
    expect(bots.gitSnapshot('b')?.paths.sort()).toEqual(['x.md', 'y.md']);
    // Anything but "<64 hex> <count>" is no snapshot.
    bots.setGitSnapshot('b', { key: 'not-a-hash', unlooked: 1, paths: [] });
    expect(bots.gitSnapshot('b')).toBeUndefined();
  });

  it('migration 4 adds the column to a state file written before it (blob ids unknown)', () => {
    const file = path.join(tempDir(), 'old.db');
    const raw = new Database(file);
    for (const [i, sql] of MIGRATIONS.slice(0, 3).entries()) {
      raw.exec(sql);
      raw.pragma(`user_version = ${i + 1}`);
    }
    raw.exec(`INSERT INTO bots (bot_id, created_at) VALUES ('b', 'now');
      INSERT INTO files (bot_id, path, kind, sig, racy, synced) VALUES ('b', 'a.md', 'article', 's', 0, 1);`);
    raw.close();
    const store = StateStore.open(file);
    try {
      expect(store.loadFiles('b').get('a.md')).toMatchObject({ sig: 's', blob: null });
      expect(store.loadFileIndex('b').get('a.md')).toBe('article||s');
    } finally {
      store.close();
    }
  });
});

describe('items and the stale list', () => {
  it('adopts without overwriting, moves keys, and turns removed items into stale entries', () => {
    const { items, lists, bots } = open();
    items.putPushed('b', pushed('k1', 'h1', 'r1'), null);
    items.adopt(
      'b',
      [
        { key: 'k1', type: 'TEXT', label: 'other', hash: 'hx', payloadHash: null, file: 'x.md', line: 1 },
        { key: 'k2', type: 'TEXT', label: 'K2', hash: 'h2', payloadHash: null, file: 'b.md', line: 4 },
      ],
      null,
    );
    expect(items.one('b', 'k1')).toMatchObject({ hash: 'h1', origin: 'pushed', remoteId: 'r1' });
    expect(items.one('b', 'k2')).toMatchObject({ origin: 'adopted', remoteId: null, sourceLine: 4 });
    expect(bots.itemCount('b')).toBe(2);
    items.move('b', [{ from: 'k1', to: 'k1b', label: 'Renamed', sourceFile: 'c.md', sourceLine: 7 }], 5);
    expect(items.one('b', 'k1')).toBeUndefined();
    expect(items.one('b', 'k1b')).toMatchObject({ label: 'Renamed', sourceFile: 'c.md', remoteId: 'r1' });
    items.remove('b', ['k1b', 'missing'], 5);
    expect(bots.itemCount('b')).toBe(1);
    expect(lists.stale('b').map((s) => [s.key, s.remoteId, s.reason])).toEqual([['k1b', 'r1', 'removed']]);
    expect(items.countByTypeAndOrigin('b')).toEqual({ TEXT: { adopted: 1 } });
  });

  it('a new version with another remote id makes the old one stale ("changed")', () => {
    const { items, lists, bots } = open();
    expect(items.putPushed('b', pushed('k', 'h1', 'r1'), null)).toBeUndefined();
    const replaced = items.putPushed('b', pushed('k', 'h2', 'r2'), null);
    expect(replaced?.remoteId).toBe('r1');
    expect(lists.stale('b').map((s) => [s.remoteId, s.reason])).toEqual([['r1', 'changed']]);
    expect(bots.itemCount('b')).toBe(1);
    items.refreshHash('b', 'k', 'h3', 'New label', 'z.md', 2);
    expect(items.one('b', 'k')).toMatchObject({
      hash: 'h3',
      payloadHash: 'p-h2',
      label: 'New label',
      sourceFile: 'z.md',
    });
  });

  it('forgets stale entries by remote id, by #number or number, or all; says which ids it does not know', () => {
    const { items, lists } = open();
    for (const k of ['a', 'b', 'c']) items.putPushed('b', pushed(k, 'h', `r${k}`), null);
    items.remove('b', ['a', 'b', 'c'], null);
    const [a, b] = lists.stale('b');
    const r = lists.forgetStale('b', ['ra', `#${b?.id}`, 'nope']);
    expect(r.forgotten.map((s) => s.key)).toEqual(['a', 'b']);
    expect(r.unknown).toEqual(['nope']);
    expect(a?.id).toBeLessThan(b?.id ?? 0);
    expect(lists.forgetStale('b', 'all').forgotten.map((s) => s.key)).toEqual(['c']);
    expect(lists.stale('b')).toEqual([]);
  });
});

describe('the in-flight journal', () => {
  it('a lost response then success: an uncertain entry naming the id kept; the journal is settled', () => {
    const { journal, lists } = open();
    const start = { key: 'k', hash: 'h', type: 'TEXT' as const, label: 'K', sourceFile: 'a.md' };
    journal.begin('b', start, 1);
    journal.markAmbiguous('b', 'k', 'h');
    expect(journal.list('b')).toMatchObject([{ key: 'k', ambiguous: true, runId: 1 }]);
    const done = journal.complete('b', pushed('k', 'h', 'r1'), 1);
    expect(done.wasAmbiguous).toBe(true);
    expect(journal.list('b')).toEqual([]);
    expect(lists.uncertain('b').map((u) => [u.key, u.remoteId])).toEqual([['k', 'r1']]);
  });

  it('a lost response then failure stays uncertain with no id; a plain failure leaves nothing', () => {
    const { journal, lists } = open();
    journal.begin('b', { key: 'k', hash: 'h', type: 'TEXT', label: 'K', sourceFile: 'a.md' }, 1);
    expect(journal.abandon('b', 'k', 'h', 1)).toEqual({ wasAmbiguous: false });
    expect(lists.uncertain('b')).toEqual([]);
    journal.begin('b', { key: 'k', hash: 'h', type: 'TEXT', label: 'K', sourceFile: 'a.md' }, 1);
    journal.markAmbiguous('b', 'k', 'h');
    expect(journal.abandon('b', 'k', 'h', 1)).toEqual({ wasAmbiguous: true });
    expect(lists.uncertain('b').map((u) => [u.key, u.remoteId])).toEqual([['k', null]]);
    expect(journal.abandon('b', 'never-sent', 'h', 1)).toEqual({ wasAmbiguous: false });
    // A later success names the copy the state tracks on the earlier entry.
    journal.complete('b', pushed('k', 'h', 'r9'), 2);
    expect(lists.uncertain('b').map((u) => u.remoteId)).toEqual(['r9']);
  });

  it('what a killed run left in flight becomes uncertain, and every file is read again', () => {
    const { journal, lists, files } = open();
    journal.complete('b', pushed('k0', 'h', 'r0'), null);
    files.record('b', [rec('a.md', [{ key: 'k0', hash: 'h' }])]);
    expect(files.load('b').get('a.md')?.synced).toBe(true);
    journal.begin('b', { key: 'k1', hash: 'h', type: 'TEXT', label: 'K1', sourceFile: 'a.md' }, 1);
    const recovered = journal.recover('b', 2);
    expect(recovered.map((p) => p.key)).toEqual(['k1']);
    expect(journal.list('b')).toEqual([]);
    expect(lists.uncertain('b').map((u) => u.reason)).toEqual([
      'the request was in flight when an earlier run stopped',
    ]);
    expect(files.load('b').get('a.md')?.synced).toBe(false);
    expect(journal.recover('b', 3)).toEqual([]);
  });
});

describe('runs', () => {
  it('records a run from start to finish and keeps only the last 1000 of a bot', () => {
    const { db } = open();
    const runs = new Runs(db);
    const first = runs.start('b', 'sync', 'host');
    expect(runs.latest('b', 1)[0]).toMatchObject({ id: first, status: 'running', finishedAt: null, counts: null });
    runs.finish(first, 'ok', { create: 2 });
    expect(runs.latest('b', 1)[0]).toMatchObject({ status: 'ok', counts: { create: 2 } });
    let last = first;
    for (let i = 0; i < 1000; i++) last = runs.start('b', 'sync', 'host');
    runs.start('other-bot', 'sync', 'host');
    runs.finish(last, 'ok', {});
    const kept = db.prepare('SELECT count(*) FROM runs WHERE bot_id = ?').pluck().get('b');
    expect(kept).toBe(1000);
    expect(runs.latest('b', 1000).some((r) => r.id === first)).toBe(false);
    expect(runs.latest('other-bot')).toHaveLength(1);
  });
});

describe('the lock row', () => {
  const me = { owner: 'me', pid: 1, host: 'h', command: 'sync', pidns: '' };
  it('is taken when free, refused while its holder lives, taken over from a dead one, and fenced', () => {
    const { db } = open();
    const lock = new LockRow(db);
    expect(lock.read()).toBeUndefined();
    expect(lock.take(me, () => false)).toEqual({ got: true });
    expect(lock.read()).toMatchObject({ owner: 'me', command: 'sync' });
    const other = { ...me, owner: 'other', pid: 2 };
    const refused = lock.take(other, () => false);
    expect(refused.got).toBe(false);
    expect(refused.got ? undefined : refused.holder.owner).toBe('me');
    const took = lock.take(other, (holder) => holder.owner === 'me');
    expect(took.got && took.took?.owner).toBe('me');
    // The old holder learns it at its next beat; its release does not remove the new holder's row.
    expect(lock.beat('me', Date.now())).toBe(false);
    expect(lock.beat('other', Date.now())).toBe(true);
    lock.release('me');
    expect(lock.read()?.owner).toBe('other');
    lock.release('other');
    expect(lock.read()).toBeUndefined();
  });
});

describe('the façade', () => {
  it('exposes no database handle', () => {
    const store = StateStore.open(path.join(tempDir(), 'state.db'));
    expect(Object.keys(store)).not.toContain('db');
    expect((store as unknown as Record<string, unknown>).db).toBeUndefined();
    expect(store.isOpen).toBe(true);
    store.close();
    expect(store.isOpen).toBe(false);
  });

  it("doctor's health reads: integrity, the bots held, the schema version on disk", () => {
    const dir = tempDir();
    const file = path.join(dir, 'state.db');
    expect(StateStore.fileSchemaVersion(file)).toBeUndefined();
    const store = StateStore.open(file);
    expect(store.integrityProblems()).toEqual([]);
    expect(store.botIds()).toEqual([]);
    store.ensureBot('zeta', 'http://api');
    store.ensureBot('alpha', 'http://api');
    expect(store.botIds()).toEqual(['alpha', 'zeta']);
    store.close();
    expect(StateStore.fileSchemaVersion(file)).toBe(SCHEMA_VERSION);
    // A read-only open changes nothing on disk.
    const ro = StateStore.open(file, { readonly: true });
    expect(ro.botIds()).toEqual(['alpha', 'zeta']);
    expect(ro.integrityProblems()).toEqual([]);
    ro.close();
    expect(StateStore.fileSchemaVersion(file)).toBe(SCHEMA_VERSION);
    // Not SQLite at all: a StateError naming the file.
    const junk = path.join(dir, 'junk.db');
    fs.writeFileSync(junk, 'this is not a database, only text that is long enough to have a header'.repeat(20));
    expect(() => StateStore.fileSchemaVersion(junk)).toThrow(/Cannot read the state file .*junk\.db/);
  });

  it('a snapshot round trip through export, replaceBot and import keeps items, keys and lists', () => {
    const dir = tempDir();
    const a = StateStore.open(path.join(dir, 'a.db'));
    a.ensureBot('b', 'http://api');
    a.beginSend('b', { key: 'k1', hash: 'h1', type: 'TEXT', label: 'K1', sourceFile: 'a.md' }, null);
    a.completeSend('b', pushed('k1', 'h1', 'r1'), null);
    a.completeSend('b', pushed('k2', 'h2', 'r2'), null);
    a.recordFiles('b', [
      rec('a.md', [
        { key: 'k1', hash: 'h1' },
        { key: 'k2', hash: 'h2' },
      ]),
    ]);
    a.completeSend('b', pushed('k2', 'h3', 'r3'), null);
    const snap = exportSnapshot(a, 'b');
    a.close();
    const b = StateStore.open(path.join(dir, 'b.db'));
    b.ensureBot('b', 'http://api');
    // Something in flight in the target state survives the import as an uncertain entry.
    b.beginSend('b', { key: 'kx', hash: 'hx', type: 'TEXT', label: 'KX', sourceFile: 'x.md' }, null);
    expect(importSnapshot(b, JSON.parse(JSON.stringify(snap)) as typeof snap, { force: false })).toEqual({
      items: 2,
      files: 1,
      stale: 1,
      uncertain: 0,
    });
    expect(b.itemCount('b')).toBe(2);
    expect(b.allItems('b').map((i) => [i.key, i.origin, i.remoteId])).toEqual([
      ['k1', 'imported', 'r1'],
      ['k2', 'imported', 'r3'],
    ]);
    expect(
      b
        .fileKeys('b', ['a.md'])
        .get('a.md')
        ?.map((k) => k.key),
    ).toEqual(['k1', 'k2']);
    expect(b.loadFileIndex('b').get('a.md')).toBe('');
    expect(b.stale('b').map((s) => s.remoteId)).toEqual(['r2']);
    expect(b.uncertain('b').map((u) => u.key)).toEqual(['kx']);
    expect(b.pending('b')).toEqual([]);
    expect(b.bot('b')?.extractFingerprint).toBeNull();
    expect(() => importSnapshot(b, snap, { force: false })).toThrow(/refusing to replace/);
    b.close();
    // Written through one connection, readable through another.
    const raw = new Database(path.join(dir, 'b.db'), { readonly: true });
    expect(raw.prepare('SELECT count(*) FROM items').pluck().get()).toBe(2);
    raw.close();
  });
});

describe('source paths that follow their item (issue 17 items 7 and 14)', () => {
  it('an uncertain entry follows its item when it moves: new key, title and file', () => {
    const { journal, lists, items } = open();
    journal.begin('b', { key: 'k', hash: 'h', type: 'TEXT', label: 'K', sourceFile: 'a/mover.md' }, 1);
    journal.markAmbiguous('b', 'k', 'h');
    journal.complete('b', { ...pushed('k', 'h', 'r1'), sourceFile: 'a/mover.md' }, 1);
    items.move('b', [{ from: 'k', to: 'k2', label: 'Mover', sourceFile: 'b/mover.md', sourceLine: 1 }], 2);
    expect(lists.uncertain('b').map((u) => [u.key, u.label, u.sourceFile, u.remoteId])).toEqual([
      ['k2', 'Mover', 'b/mover.md', 'r1'],
    ]);
  });

  it('when the knowledge folder moves, stored source paths are rewritten relative to the new one', () => {
    const { db, journal, items, lists } = open();
    const sources = new Sources(db);
    sources.moveTo('b', 'knowledge');
    journal.complete('b', { ...pushed('k', 'h', 'r1'), sourceFile: 'account/the-rest-api.md' }, null);
    sources.moveTo('b', 'knowledge'); // the same folder: nothing to rewrite
    sources.moveTo('b', 'empty');
    expect(sources.dir('b')).toBe('empty');
    items.remove('b', ['k'], null);
    // Shown from the new folder, the stale entry still names the file it came from.
    expect(lists.stale('b').map((s) => s.sourceFile)).toEqual(['../knowledge/account/the-rest-api.md']);
    expect(rebaseSource('x.md', '.', 'docs')).toBe('../x.md');
    expect(rebaseSource('docs/x.md', '.', 'docs')).toBe('x.md');
  });
});
