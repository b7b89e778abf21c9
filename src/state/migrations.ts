/**
 * Numbered migrations over `PRAGMA user_version`, each applied in one transaction. A state file
 * written by a newer kb-sync (a higher version) is refused, never downgraded.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the first schema.
  `
  CREATE TABLE bots (
    bot_id TEXT PRIMARY KEY,
    api_base_url TEXT,
    extract_fingerprint TEXT,
    first_synced_at TEXT,
    last_synced_at TEXT,
    created_at TEXT NOT NULL
  );

  -- The stat fast path: what each file was when it was last read, and whether all of its items
  -- were in the bot after that read (only then may it be skipped without reading).
  CREATE TABLE files (
    bot_id TEXT NOT NULL,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    sig TEXT,
    racy INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT,
    synced INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    PRIMARY KEY (bot_id, path)
  ) WITHOUT ROWID;

  -- Which items each file yielded at its last successful read.
  CREATE TABLE file_items (
    bot_id TEXT NOT NULL,
    path TEXT NOT NULL,
    key TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (bot_id, path, key)
  ) WITHOUT ROWID;
  CREATE INDEX file_items_by_key ON file_items (bot_id, key);

  -- What is in the bot: one row per key, the version last created (or adopted).
  CREATE TABLE items (
    bot_id TEXT NOT NULL,
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    label TEXT NOT NULL,
    hash TEXT NOT NULL,
    payload_hash TEXT,
    remote_id TEXT,
    origin TEXT NOT NULL,
    source_file TEXT,
    source_line INTEGER,
    synced_at TEXT NOT NULL,
    run_id INTEGER,
    PRIMARY KEY (bot_id, key)
  ) WITHOUT ROWID;

  -- A create request that is being sent: written before the request, removed when it is settled.
  -- Rows left by a killed run are requests that may have created an item.
  CREATE TABLE pending (
    bot_id TEXT NOT NULL,
    key TEXT NOT NULL,
    hash TEXT NOT NULL,
    type TEXT NOT NULL,
    label TEXT NOT NULL,
    source_file TEXT,
    run_id INTEGER,
    started_at TEXT NOT NULL,
    ambiguous INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bot_id, key, hash)
  ) WITHOUT ROWID;

  -- Items in the bot that no longer match the folder: the API cannot delete them.
  CREATE TABLE stale (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id TEXT NOT NULL,
    remote_id TEXT,
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    label TEXT NOT NULL,
    origin TEXT NOT NULL,
    source_file TEXT,
    reason TEXT NOT NULL,
    since TEXT NOT NULL,
    run_id INTEGER
  );
  CREATE INDEX stale_by_bot ON stale (bot_id);

  -- Items that may exist twice in the bot (a lost response, or a request in flight at a crash).
  CREATE TABLE uncertain (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id TEXT NOT NULL,
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    label TEXT NOT NULL,
    source_file TEXT,
    remote_id TEXT,
    reason TEXT NOT NULL,
    since TEXT NOT NULL,
    run_id INTEGER
  );
  CREATE INDEX uncertain_by_bot ON uncertain (bot_id);

  CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bot_id TEXT NOT NULL,
    command TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    counts TEXT,
    pid INTEGER,
    host TEXT
  );
  CREATE INDEX runs_by_bot ON runs (bot_id, id);

  CREATE TABLE lock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    owner TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    command TEXT NOT NULL,
    since TEXT NOT NULL,
    heartbeat_at INTEGER NOT NULL
  );
  `,
  // 2: how many items each bot has, kept up to date by the store, so that a no-op sync can report
  // "unchanged" without counting a large table.
  `
  ALTER TABLE bots ADD COLUMN item_count INTEGER NOT NULL DEFAULT 0;
  UPDATE bots SET item_count = (SELECT count(*) FROM items WHERE items.bot_id = bots.bot_id);
  `,
  // 3: the lock holder's PID namespace: containers that share a hostname do not share pids.
  `
  ALTER TABLE lock ADD COLUMN pidns TEXT NOT NULL DEFAULT '';
  `,
  // 4: each file's warnings at its last read (a JSON list of "line:col message"), so that
  // `kb-sync status` shows them again, not only the run that read the file; and how many drafts
  // it left out, so that a run counts the folder's drafts, not only those of the files it read.
  `
  ALTER TABLE files ADD COLUMN warnings TEXT;
  ALTER TABLE files ADD COLUMN drafts INTEGER NOT NULL DEFAULT 0;
  `,
  // 5: the knowledge folder the source paths are relative to (relative to the state file's folder),
  // so that after "knowledgeDir" changes, stale entries still name the files they came from.
  `
  ALTER TABLE bots ADD COLUMN knowledge_dir TEXT;
  `,
  // 6: the git blob id of each file as it was read (when the folder is in a git work tree): a
  // tracked file that git says is unchanged, with the same id in its index, is neither stat'ed
  // nor read. NULL where it is not known. h1..h4: the file's part of the folder digest (its path
  // and blob id, src/scan/digest.ts), summed by a query to compare the whole folder with git's
  // index at once.
  `
  ALTER TABLE files ADD COLUMN blob TEXT;
  ALTER TABLE files ADD COLUMN h1 INTEGER;
  ALTER TABLE files ADD COLUMN h2 INTEGER;
  ALTER TABLE files ADD COLUMN h3 INTEGER;
  ALTER TABLE files ADD COLUMN h4 INTEGER;
  `,
  // 7: a snapshot of git's index under the folder (src/sync/stages/select-git.ts), taken when
  // the bot's files were what git vouched for, but for a few files looked at on every run
  // (git_snapshot_paths). "<hash> <count>": the hash of the index listing, how many of the
  // bot's files were not among those few. A write to any other file of the bot clears it, so a
  // snapshot never outlives the files it was taken of.
  `
  ALTER TABLE bots ADD COLUMN git_snapshot TEXT;
  CREATE TABLE git_snapshot_paths (
    bot_id TEXT NOT NULL,
    path TEXT NOT NULL,
    PRIMARY KEY (bot_id, path)
  ) WITHOUT ROWID;
  CREATE TRIGGER files_insert_clears_snapshot AFTER INSERT ON files
  WHEN NOT EXISTS (SELECT 1 FROM git_snapshot_paths s WHERE s.bot_id = NEW.bot_id AND s.path = NEW.path)
  BEGIN
    UPDATE bots SET git_snapshot = NULL WHERE bot_id = NEW.bot_id AND git_snapshot IS NOT NULL;
  END;
  CREATE TRIGGER files_update_clears_snapshot AFTER UPDATE ON files
  WHEN NOT EXISTS (SELECT 1 FROM git_snapshot_paths s WHERE s.bot_id = OLD.bot_id AND s.path = OLD.path)
    OR NOT EXISTS (SELECT 1 FROM git_snapshot_paths s WHERE s.bot_id = NEW.bot_id AND s.path = NEW.path)
  BEGIN
    UPDATE bots SET git_snapshot = NULL WHERE bot_id IN (OLD.bot_id, NEW.bot_id) AND git_snapshot IS NOT NULL;
  END;
  CREATE TRIGGER files_delete_clears_snapshot AFTER DELETE ON files
  WHEN NOT EXISTS (SELECT 1 FROM git_snapshot_paths s WHERE s.bot_id = OLD.bot_id AND s.path = OLD.path)
  BEGIN
    UPDATE bots SET git_snapshot = NULL WHERE bot_id = OLD.bot_id AND git_snapshot IS NOT NULL;
  END;
  -- The few files with drafts, counted on every run, without reading every file's row.
  CREATE INDEX files_with_drafts ON files (bot_id, path) WHERE drafts > 0;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
