import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/state/migrations.js';
import { StateStore } from '../../src/state/store.js';
import { stateFailure } from '../../src/state/failure.js';
import { StateError } from '../../src/errors.js';
import { tempDir } from '../helpers/fs.js';

/** The SQLite state store on a real file: migrations, the item counter, scoping by bot. */

describe('state store migrations', () => {
  it('upgrades a version-1 file in place, counting its items', () => {
    const file = path.join(tempDir(), 'state.db');
    const db = new Database(file);
    db.exec(MIGRATIONS[0] as string);
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO bots (bot_id, created_at) VALUES ('b1', 'x'), ('b2', 'x')").run();
    const add = db.prepare(
      "INSERT INTO items (bot_id, key, type, label, hash, origin, synced_at) VALUES (?, ?, 'TEXT', 'l', 'h', 'pushed', 'x')",
    );
    for (let i = 0; i < 3; i++) add.run('b1', `k${i}`);
    add.run('b2', 'k0');
    db.close();
    const store = StateStore.open(file);
    expect(store.itemCount('b1')).toBe(3);
    expect(store.itemCount('b2')).toBe(1);
    store.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });

  it('reads an older file for plan and status without changing it (a copy is migrated in memory)', () => {
    const file = path.join(tempDir(), 'state.db');
    const db = new Database(file);
    db.exec(MIGRATIONS[0] as string);
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO bots (bot_id, created_at) VALUES ('b1', 'x')").run();
    db.prepare(
      "INSERT INTO items (bot_id, key, type, label, hash, origin, synced_at) VALUES ('b1', 'k', 'TEXT', 'l', 'h', 'pushed', 'x')",
    ).run();
    db.close();
    const ro = StateStore.open(file, { readonly: true });
    expect(ro.itemCount('b1')).toBe(1);
    ro.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(1);
    check.close();
  });

  it('reads an older file in WAL mode (as kb-sync writes them) read-only too, without changing it', () => {
    const file = path.join(tempDir(), 'state.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(MIGRATIONS[0] as string);
    db.exec(MIGRATIONS[1] as string);
    db.pragma('user_version = 2');
    db.prepare("INSERT INTO bots (bot_id, created_at) VALUES ('b1', 'x')").run();
    db.close();
    const ro = StateStore.open(file, { readonly: true });
    expect(ro.botIds()).toEqual(['b1']);
    expect(ro.integrityProblems()).toEqual([]);
    ro.close();
    expect(StateStore.fileSchemaVersion(file)).toBe(2);
  });

  it('refuses a file written by a newer kb-sync', () => {
    const file = path.join(tempDir(), 'state.db');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => StateStore.open(file)).toThrow(/newer kb-sync/);
  });
});

describe('the item counter', () => {
  it('follows creates, replacements, removals and adoptions, per bot', () => {
    const file = path.join(tempDir(), 'state.db');
    const store = StateStore.open(file);
    for (const b of ['b1', 'b2']) store.ensureBot(b, 'http://x');
    const send = (bot: string, key: string, hash: string, remoteId: string) => {
      store.beginSend(bot, { key, hash, type: 'TEXT', label: key, sourceFile: 'f.md' }, null);
      store.completeSend(
        bot,
        { key, hash, payloadHash: hash, type: 'TEXT', label: key, remoteId, sourceFile: 'f.md', sourceLine: 1 },
        null,
      );
    };
    send('b1', 'a', 'h1', 'r1');
    send('b1', 'b', 'h1', 'r2');
    send('b1', 'a', 'h2', 'r3'); // a new version of a: still one item, the old one stale
    send('b2', 'a', 'h1', 'r4');
    expect(store.itemCount('b1')).toBe(2);
    expect(store.stale('b1').map((s) => s.remoteId)).toEqual(['r1']);
    store.applyRemovals('b1', ['b', 'no-such-key'], null);
    expect(store.itemCount('b1')).toBe(1);
    store.adoptItems(
      'b1',
      [
        { key: 'a', type: 'TEXT', label: 'a', hash: 'h2', payloadHash: null, file: 'f.md', line: 1 },
        { key: 'c', type: 'TEXT', label: 'c', hash: 'h', payloadHash: null, file: 'g.md', line: 1 },
      ],
      null,
    );
    expect(store.itemCount('b1')).toBe(2);
    expect(store.itemCount('b2')).toBe(1);
    // The counter agrees with the table, read over a connection of its own.
    const raw = new Database(file, { readonly: true });
    const exact = (bot: string) => raw.prepare('SELECT count(*) FROM items WHERE bot_id = ?').pluck().get(bot);
    expect(store.itemCount('b1')).toBe(exact('b1'));
    raw.close();
    store.close();
  });
});

describe('the state lock', () => {
  it('a holder whose lock was taken over learns it at its next heartbeat (fencing)', async () => {
    const { acquireLock } = await import('../../src/state/lock.js');
    const file = path.join(tempDir(), 'state.db');
    const a = StateStore.open(file);
    const lock = await acquireLock(a, { command: 'sync', heartbeatMs: 60_000 });
    expect(lock.lostSignal.aborted).toBe(false);
    // Another process decides this holder is dead (it slept past its heartbeats) and takes over.
    const b = new Database(file);
    b.prepare("UPDATE lock SET owner = 'someone-else', pid = 1, heartbeat_at = ?").run(Date.now());
    lock.heartbeat();
    expect(lock.lostSignal.aborted).toBe(true);
    lock.release();
    // Releasing a lost lock does not remove the new holder's.
    expect(b.prepare('SELECT owner FROM lock').pluck().get()).toBe('someone-else');
    a.close();
    b.close();
  });

  it('a holder in another PID namespace with the same host name is judged by its heartbeat, not its pid', async () => {
    const { isDeadHolder } = await import('../../src/state/lock.js');
    const now = Date.now();
    const holder = {
      owner: 'o',
      pid: 999_999,
      host: 'h',
      command: 'sync',
      since: '',
      heartbeatAt: now - 5_000,
      pidns: 'pid:[1]',
    };
    expect(isDeadHolder(holder, 'h', now, 'pid:[2]')).toBe(false);
    expect(isDeadHolder({ ...holder, heartbeatAt: now - 200_000 }, 'h', now, 'pid:[2]')).toBe(true);
    // Same namespace: a gone pid is dead at once.
    expect(isDeadHolder(holder, 'h', now, 'pid:[1]')).toBe(true);
  });
});

describe('a state file held by another writer', () => {
  it('a write that reads first waits for the lock instead of failing at once (a --wait run polls it)', async () => {
    const file = path.join(tempDir(), 'state.db');
    const store = StateStore.open(file);
    // Another connection (a run waiting with --wait, checking the lock) holds the write lock for a moment.
    const holder = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const db = new (require(workerData.sqlite))(workerData.file);
       db.exec('BEGIN IMMEDIATE');
       parentPort.postMessage('held');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
       db.exec('COMMIT');
       db.close();`,
      { eval: true, workerData: { file, sqlite: createRequire(import.meta.url).resolve('better-sqlite3') } },
    );
    try {
      await new Promise((resolve, reject) => {
        holder.once('message', resolve);
        holder.once('error', reject);
      });
      // Reads the stale list, then deletes from it: one transaction. A deferred one asked for the
      // write lock at its DELETE, where SQLite does not wait: "database is locked" at once.
      expect(store.forgetStale('bot', 'all')).toEqual({ forgotten: [], unknown: [] });
    } finally {
      await holder.terminate();
      store.close();
    }
  });

  it('is a StateError that says so (SQLite says "database is locked"), not an internal error', () => {
    const file = path.join(tempDir(), 'state.db');
    StateStore.open(file).close();
    // Another connection holds the write lock; this one gives up at once (kb-sync waits 10 s).
    const holder = new Database(file);
    const writer = new Database(file);
    try {
      holder.exec('BEGIN IMMEDIATE');
      writer.pragma('busy_timeout = 0');
      let raised: unknown;
      try {
        writer.exec('BEGIN IMMEDIATE');
      } catch (err) {
        raised = err;
      }
      expect((raised as { code?: string }).code).toBe('SQLITE_BUSY');
      const e = stateFailure(raised, file);
      expect(e).toBeInstanceOf(StateError);
      expect(e?.message).toContain(`The state file ${file} stayed locked by another connection`);
      expect(e?.message).toContain('database is locked');
      expect(e?.hint).toMatch(/Run again once it is closed/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
      writer.close();
    }
  });
});
