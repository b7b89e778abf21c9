import fs from 'node:fs';
import path from 'node:path';
import { requireBotId } from '../../config/load.js';
import { ConfigError, StateError } from '../../errors.js';
import { acquireLock } from '../../state/lock.js';
import { exportSnapshot, importSnapshot, validateSnapshot } from '../../state/snapshot.js';
import { StateStore } from '../../state/store.js';
import { loadContext } from '../context.js';

/** `kb-sync state export [FILE]`, `kb-sync state import FILE`, `kb-sync state path`. */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const { out, cfg } = loadContext(argv);
  const action = argv.action as string;
  if (action === 'path') {
    out.raw(cfg.stateFile);
    return 0;
  }
  const botId = requireBotId(cfg);
  const file = argv.file as string | undefined;
  if (action === 'export') {
    if (!fs.existsSync(cfg.stateFile)) throw new StateError(`There is no state file at ${cfg.stateFile} to export.`);
    const store = StateStore.open(cfg.stateFile, { readonly: true });
    try {
      const snap = exportSnapshot(store, botId);
      const text = `${JSON.stringify(snap, null, 2)}\n`;
      if (!file || file === '-') {
        process.stdout.write(text);
      } else {
        const tmp = `${file}.tmp-${process.pid}`;
        fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
        fs.writeFileSync(tmp, text);
        fs.renameSync(tmp, file);
        out.final(
          `Exported the state of bot ${botId} to ${file}: ${snap.items.length} item(s), ${snap.files.length} file(s), ${snap.stale.length} stale.`,
        );
      }
      return 0;
    } finally {
      store.close();
    }
  }
  if (!file) throw new ConfigError('state import needs the snapshot file: kb-sync state import FILE');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (err) {
    throw new StateError(`Cannot read the snapshot ${file}: ${(err as Error).message}`);
  }
  const snap = validateSnapshot(raw, botId);
  const store = StateStore.open(cfg.stateFile);
  const lock = await acquireLock(store, { command: 'state import', waitSeconds: 0 });
  try {
    const n = importSnapshot(store, snap, { force: Boolean(argv.force) });
    if (out.json) out.document({ ok: true, ...n });
    else
      out.final(
        `Imported the state of bot ${botId}: ${n.items} item(s), ${n.files} file(s), ${n.stale} stale, ${n.uncertain} uncertain. The next sync reads every file once and pushes only real changes.`,
      );
    return 0;
  } finally {
    lock.release();
    store.close();
  }
}
