import type { BotDataType } from '../../src/api/types.js';
import type { DesiredItem, PlanInput, PriorItem } from '../../src/plan/plan.js';

/**
 * A small builder for planner inputs, in the spirit of changesets' test-utils: describe what the
 * state remembers per file and what each file yields this run, and get a `PlanInput` built the
 * way the sync pipeline builds it (files not read this run hold their keys "elsewhere").
 *
 *   const input = world()
 *     .synced('a.md', item('article:path:a.md', 'h1'))   // in the state, from a.md
 *     .reads('b.md', item('article:path:b.md', 'h1'))    // re-read now, yields this
 *     .deleted('a.md')                                   // gone from the folder
 *     .input();
 */

export interface ItemSpec {
  key: string;
  hash: string;
  type?: BotDataType;
  label?: string;
  line?: number;
}

/** An item spec; `type` defaults from the key's prefix. */
export function item(key: string, hash: string, extra: Partial<Omit<ItemSpec, 'key' | 'hash'>> = {}): ItemSpec {
  return { key, hash, ...extra };
}

function typeOf(key: string): BotDataType {
  if (key.startsWith('url:')) return 'URL';
  if (key.startsWith('qa:')) return 'Q_AND_A';
  if (key.startsWith('document:')) return 'DOCUMENT';
  return 'TEXT';
}

export class World {
  private readonly syncedFiles = new Map<string, ItemSpec[]>();
  private readonly readFiles = new Map<string, ItemSpec[]>();
  private readonly incomplete = new Set<string>();
  private readonly removed = new Set<string>();
  private readonly priorItems = new Map<string, PriorItem>();

  /** The state knows `file` yielded these items, and each is in the bot (remote id `r:<key>`). */
  synced(file: string, ...items: ItemSpec[]): this {
    this.syncedFiles.set(file, [...(this.syncedFiles.get(file) ?? []), ...items]);
    for (const it of items) {
      if (this.priorItems.has(it.key)) continue;
      this.priorItems.set(it.key, {
        key: it.key,
        type: it.type ?? typeOf(it.key),
        label: it.label ?? it.key,
        hash: it.hash,
        payloadHash: null,
        remoteId: `r:${it.key}`,
        origin: 'pushed',
        sourceFile: file,
      });
    }
    return this;
  }

  /** `file` is (re)read this run and yields these items. */
  reads(file: string, ...items: ItemSpec[]): this {
    this.readFiles.set(file, [...(this.readFiles.get(file) ?? []), ...items]);
    return this;
  }

  /** `file` is read this run with errors (its good items, if any, still come through). */
  readsWithErrors(file: string, ...items: ItemSpec[]): this {
    this.incomplete.add(file);
    return this.reads(file, ...items);
  }

  /** `file` is gone from the folder (deleted, renamed away, excluded). */
  deleted(file: string): this {
    this.removed.add(file);
    return this;
  }

  prior(key: string): PriorItem {
    const p = this.priorItems.get(key);
    if (!p) throw new Error(`no prior item ${key}`);
    return p;
  }

  input(): PlanInput {
    const desired: DesiredItem[] = [];
    for (const [file, items] of this.readFiles) {
      items.forEach((it, i) =>
        desired.push({
          key: it.key,
          hash: it.hash,
          type: it.type ?? typeOf(it.key),
          label: it.label ?? it.key,
          line: it.line ?? i + 1,
          file,
        }),
      );
    }
    const dirtyFiles = new Set(this.readFiles.keys());
    const touched = new Set([...dirtyFiles, ...this.removed]);
    const priorFileKeys = new Map<string, string[]>();
    for (const f of touched) {
      const items = this.syncedFiles.get(f);
      if (items)
        priorFileKeys.set(
          f,
          items.map((i) => i.key),
        );
    }
    // As the store answers it: keys (desired, or yielded before by touched files) that a file
    // not touched this run still yields.
    const relevant = new Set<string>([...desired.map((d) => d.key), ...[...priorFileKeys.values()].flat()]);
    const heldElsewhere = new Set<string>();
    for (const [f, items] of this.syncedFiles) {
      if (touched.has(f)) continue;
      for (const it of items) if (relevant.has(it.key)) heldElsewhere.add(it.key);
    }
    const prior = new Map<string, PriorItem>();
    for (const k of relevant) {
      const p = this.priorItems.get(k);
      if (p) prior.set(k, p);
    }
    return {
      desired,
      dirtyFiles,
      incompleteFiles: new Set(this.incomplete),
      removedFiles: new Set(this.removed),
      priorFileKeys,
      prior,
      heldElsewhere,
    };
  }
}

export function world(): World {
  return new World();
}
