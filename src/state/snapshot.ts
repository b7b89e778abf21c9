import { StateError } from '../errors.js';
import type { ItemRow, StaleRow, StateStore, UncertainRow } from './store.js';

/**
 * A portable JSON snapshot of one bot's state: what is in the bot (items, stale, uncertain) and
 * which keys each file yields. Stat signatures are left out (they do not survive a checkout), so
 * after an import every file is read once, and nothing is pushed for what the snapshot knows.
 */
export const SNAPSHOT_FORMAT = 'kb-sync-state' as const;
export const SNAPSHOT_VERSION = 1;

export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  botId: string;
  apiBaseUrl: string | null;
  exportedAt: string;
  firstSyncedAt: string | null;
  lastSyncedAt: string | null;
  items: ItemRow[];
  files: { path: string; kind: string; items: { key: string; hash: string }[] }[];
  stale: Omit<StaleRow, 'id'>[];
  uncertain: Omit<UncertainRow, 'id'>[];
}

export function exportSnapshot(store: StateStore, botId: string): Snapshot {
  return store.tx((): Snapshot => {
    const bot = store.bot(botId);
    const files = store.loadFiles(botId);
    const keys = store.fileKeys(botId, files.keys());
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      botId,
      apiBaseUrl: bot?.apiBaseUrl ?? null,
      exportedAt: new Date().toISOString(),
      firstSyncedAt: bot?.firstSyncedAt ?? null,
      lastSyncedAt: bot?.lastSyncedAt ?? null,
      items: store.allItems(botId),
      files: [...files.values()]
        .sort((a, b) => (a.path < b.path ? -1 : 1))
        .map((f) => ({ path: f.path, kind: f.kind, items: keys.get(f.path) ?? [] })),
      stale: store.stale(botId).map(({ id: _id, ...rest }) => rest),
      uncertain: store.uncertain(botId).map(({ id: _id, ...rest }) => rest),
    };
  });
}

/** Check a parsed snapshot's shape; throws StateError naming what is wrong. */
export function validateSnapshot(raw: unknown, expectBot: string): Snapshot {
  const bad = (why: string): never => {
    throw new StateError(`Not a kb-sync state snapshot: ${why}.`, 'Create one with `kb-sync state export FILE`.');
  };
  if (raw === null || typeof raw !== 'object') bad('not a JSON object');
  const s = raw as Partial<Snapshot>;
  if (s.format !== SNAPSHOT_FORMAT) bad(`"format" is not "${SNAPSHOT_FORMAT}"`);
  if (typeof s.version !== 'number' || s.version > SNAPSHOT_VERSION)
    bad(`version ${String(s.version)} is not supported by this kb-sync`);
  if (typeof s.botId !== 'string') bad('"botId" is missing');
  if (s.botId !== expectBot) {
    throw new StateError(
      `The snapshot is of bot ${s.botId as string}, but this configuration syncs bot ${expectBot}; refusing to import it.`,
      'Import it with the configuration (or CXGENIE_BOT_ID) of the bot it was exported from.',
    );
  }
  for (const k of ['items', 'files', 'stale', 'uncertain'] as const)
    if (!Array.isArray(s[k])) bad(`"${k}" is not a list`);
  const isText = (v: unknown) => typeof v === 'string' && v !== '';
  const types = ['TEXT', 'Q_AND_A', 'URL', 'DOCUMENT'];
  const keys = new Set<string>();
  for (const [i, it] of (s.items as ItemRow[]).entries()) {
    if (!it || !isText(it.key) || !isText(it.hash) || !types.includes(it.type) || typeof it.label !== 'string')
      bad(`items[${i}] is incomplete`);
    if (keys.has(it.key)) bad(`items[${i}] repeats the key "${it.key}"`);
    keys.add(it.key);
  }
  const paths = new Set<string>();
  for (const [i, f] of (s.files as Snapshot['files']).entries()) {
    if (!f || !isText(f.path) || !['article', 'qa', 'urls', 'document'].includes(f.kind) || !Array.isArray(f.items))
      bad(`files[${i}] is incomplete`);
    if (paths.has(f.path)) bad(`files[${i}] repeats the path "${f.path}"`);
    paths.add(f.path);
    for (const [k, fi] of f.items.entries())
      if (!fi || !isText(fi.key) || !isText(fi.hash)) bad(`files[${i}].items[${k}] is incomplete`);
  }
  for (const [i, st] of (s.stale as Snapshot['stale']).entries()) {
    if (!st || !isText(st.key) || !types.includes(st.type) || typeof st.label !== 'string' || !isText(st.since))
      bad(`stale[${i}] is incomplete`);
  }
  for (const [i, u] of (s.uncertain as Snapshot['uncertain']).entries()) {
    if (!u || !isText(u.key) || !types.includes(u.type) || typeof u.label !== 'string' || !isText(u.since))
      bad(`uncertain[${i}] is incomplete`);
  }
  return s as Snapshot;
}

/** Replace this bot's state with a snapshot (in one transaction). */
export function importSnapshot(
  store: StateStore,
  snap: Snapshot,
  opts: { force: boolean },
): { items: number; files: number; stale: number; uncertain: number } {
  return store.writeTx(() => {
    const existing = store.itemCount(snap.botId);
    if (existing > 0 && !opts.force) {
      throw new StateError(
        `The state already holds ${existing} item(s) for bot ${snap.botId}; refusing to replace them.`,
        "Pass --force to replace this bot's state with the snapshot.",
      );
    }
    // Requests in flight when a run of this state stopped may have created items: keep them as
    // uncertain entries rather than forget them with the state being replaced.
    const inFlight = store.recoverPending(snap.botId, null);
    const keepUncertain = store.uncertain(snap.botId).filter((u) => inFlight.some((p) => p.key === u.key));
    store.replaceBot(snap.botId, {
      apiBaseUrl: snap.apiBaseUrl,
      firstSyncedAt: snap.firstSyncedAt ?? new Date().toISOString(),
      lastSyncedAt: snap.lastSyncedAt,
      items: snap.items,
      files: snap.files,
      stale: snap.stale,
      uncertain: [...snap.uncertain, ...keepUncertain],
    });
    return {
      items: snap.items.length,
      files: snap.files.length,
      stale: snap.stale.length,
      uncertain: snap.uncertain.length,
    };
  });
}
