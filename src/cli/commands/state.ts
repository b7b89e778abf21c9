import fs from 'node:fs';
import path from 'node:path';
import { requireBotId } from '../../config/load.js';
import { ConfigError, StateError } from '../../errors.js';
import { acquireLock } from '../../state/lock.js';
import { exportSnapshot, importSnapshot, validateSnapshot } from '../../state/snapshot.js';
import { StateStore } from '../../state/store.js';
import { loadContext } from '../context.js';
import { noteChange, refreshGitState, withGitState } from '../git-state.js';
import { listOption } from '../options.js';

/** `kb-sync state export [FILE]`, `kb-sync state import FILE`, `kb-sync state path`. */
export async function run(argv: Record<string, unknown>): Promise<number> {
  const { out, cfg } = loadContext(argv);
  const action = argv.action as string;
  if (action === 'path') {
    out.raw(cfg.stateFile);
    return 0;
  }
  const botId = requireBotId(cfg);
  const given = argv.file as string | undefined;
  const file = cfg.target && given && given !== '-' && several(argv) ? withTarget(given, cfg.target) : given;
  if (cfg.target && several(argv) && (!given || given === '-' || action === 'import'))
    throw new ConfigError(
      `\`kb-sync state ${action}\` with several targets: ${action === 'import' ? 'import into one at a time' : 'give a FILE (each target writes FILE with its name: snap.en.json), or pick one'} with --target.`,
    );
  if (action === 'export') {
    await refreshGitState(out, cfg, botId);
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
  return withGitState(out, cfg, botId, 'state import', {}, async () => {
    const store = StateStore.open(cfg.stateFile);
    const lock = await acquireLock(store, { command: 'state import', waitSeconds: 0 });
    try {
      const n = importSnapshot(store, snap, { force: Boolean(argv.force) });
      if (out.json) out.document({ ok: true, ...n });
      else
        out.final(
          `Imported the state of bot ${botId}: ${n.items} item(s), ${n.files} file(s), ${n.stale} stale, ${n.uncertain} uncertain. The next sync reads every file once and pushes only real changes.`,
        );
      const note = `imported a snapshot (${n.items} item(s), ${n.stale} stale, ${n.uncertain} uncertain) exported ${snap.exportedAt}`;
      return noteChange('state import', 0, note);
    } finally {
      lock.release();
      store.close();
    }
  });
}

/** Whether the command runs several targets (no single --target). */
function several(argv: Record<string, unknown>): boolean {
  return listOption(argv.target).length !== 1;
}

/** `snap.json` → `snap.en.json`: one file per target. */
function withTarget(file: string, target: string): string {
  const p = path.parse(file);
  return path.join(p.dir, `${p.name}.${target}${p.ext}`);
}
