import type { BotDataType } from '../api/types.js';
import type { FileIssue } from '../errors.js';
import type { ItemMeta } from '../extract/types.js';

/**
 * The pure planner: the items the changed files yield now, against what the state knows, give
 * what to create, update, re-key (moved) and report stale. No I/O, no clock: the caller selects
 * the relevant slice of the state and passes it in.
 */

export interface DesiredItem extends ItemMeta {
  /** The file (relative to knowledgeDir) the item comes from. */
  file: string;
}

/** What the state knows of an item in the bot. */
export interface PriorItem {
  key: string;
  type: BotDataType;
  label: string;
  hash: string;
  payloadHash: string | null;
  remoteId: string | null;
  origin: 'pushed' | 'adopted' | 'imported';
  sourceFile: string | null;
}

export interface PlanInput {
  /** Items of every file (re)read this run, in any order. */
  desired: readonly DesiredItem[];
  /** Files read this run. */
  dirtyFiles: ReadonlySet<string>;
  /** Files read this run with errors: their earlier items are not turned stale. */
  incompleteFiles: ReadonlySet<string>;
  /** Files the state knows that are gone (deleted, renamed, now excluded). */
  removedFiles: ReadonlySet<string>;
  /** The keys each dirty or removed file yielded at its last read. */
  priorFileKeys: ReadonlyMap<string, readonly string[]>;
  /** State items, at least for every desired key and every key in `priorFileKeys`. */
  prior: ReadonlyMap<string, PriorItem>;
  /** Keys that unchanged (not re-read) files still yield. */
  heldElsewhere: ReadonlySet<string>;
}

export interface PlannedCreate {
  item: DesiredItem;
}
export interface PlannedUpdate {
  item: DesiredItem;
  prior: PriorItem;
}
export interface PlannedMove {
  item: DesiredItem;
  from: PriorItem;
}
export interface PlannedStale {
  prior: PriorItem;
  /** The file it came from. */
  file: string | null;
  /** The re-read or removed file whose earlier keys included it. */
  fromFile: string;
}

export interface Plan {
  create: PlannedCreate[];
  update: PlannedUpdate[];
  moved: PlannedMove[];
  stale: PlannedStale[];
  unchanged: DesiredItem[];
  /** Keys not turned stale because their file has errors. */
  held: string[];
  /** Items dropped because another file already yields the same URL. */
  duplicates: DesiredItem[];
  /** Two files claiming one key (e.g. the same frontmatter `id`): an error on the file that loses it. */
  conflicts: FileIssue[];
  /** The keys each losing file claimed (left out of that file's record until it is fixed). */
  lost: Map<string, Set<string>>;
}

const byFileLine = (a: DesiredItem, b: DesiredItem) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);

/** The items in file and line order: as given when they already are (as read, they nearly always are). */
function sortedByFileLine(items: readonly DesiredItem[]): readonly DesiredItem[] {
  for (let i = 1; i < items.length; i++) {
    if (byFileLine(items[i - 1] as DesiredItem, items[i] as DesiredItem) > 0) return [...items].sort(byFileLine);
  }
  return items;
}

export function planSync(input: PlanInput): Plan {
  const plan: Plan = {
    create: [],
    update: [],
    moved: [],
    stale: [],
    unchanged: [],
    held: [],
    duplicates: [],
    conflicts: [],
    lost: new Map(),
  };

  // 1. One item per key. A key claimed by several files stays with the file that already had it
  //    (an unchanged file, or a re-read one whose earlier keys include it); otherwise the first
  //    by path gets it. A URL listed again is a duplicate; anything else claimed twice is a
  //    conflict, reported on the file that loses it.
  const owned = (item: DesiredItem) => input.priorFileKeys.get(item.file)?.includes(item.key) ?? false;
  // One pass takes the first claim of each key; only keys claimed more than once, or held by a
  // file not read (rare), are then looked at again, with all their claims, in the order of their
  // first claim. (A cold plan has many keys: nothing per key but the one map entry.)
  const wanted = new Map<string, DesiredItem>();
  const contested = new Map<string, DesiredItem[]>();
  for (const item of sortedByFileLine(input.desired)) {
    const claims = contested.get(item.key);
    if (claims) {
      claims.push(item);
      continue;
    }
    const first = wanted.get(item.key);
    if (first !== undefined) contested.set(item.key, [first, item]);
    else if (input.heldElsewhere.has(item.key)) contested.set(item.key, [item]);
    else wanted.set(item.key, item);
  }
  const conflictFiles = new Set<string>();
  for (const [key, claims] of [...contested].sort((a, b) =>
    byFileLine(a[1][0] as DesiredItem, b[1][0] as DesiredItem),
  )) {
    const heldByClean = input.heldElsewhere.has(key);
    const winner = heldByClean ? undefined : (claims.find(owned) ?? claims[0]);
    if (winner) wanted.set(key, winner);
    else wanted.delete(key);
    for (const item of claims) {
      if (item === winner) continue;
      if (item.type === 'URL') {
        plan.duplicates.push(item);
        continue;
      }
      conflictFiles.add(item.file);
      const lost = plan.lost.get(item.file) ?? new Set<string>();
      lost.add(key);
      plan.lost.set(item.file, lost);
      plan.conflicts.push({
        file: item.file,
        line: item.line,
        severity: 'error',
        message: `${describeKey(key)} is already used by ${winner ? winner.file : 'another file'}; each item needs its own`,
      });
    }
  }

  // 2. New, changed or unchanged.
  const creates: DesiredItem[] = [];
  for (const item of wanted.values()) {
    const prior = input.prior.get(item.key);
    if (!prior) creates.push(item);
    else if (prior.hash === item.hash && prior.type === item.type) plan.unchanged.push(item);
    else plan.update.push({ item, prior });
  }

  // 3. Keys the re-read and removed files no longer yield.
  const held = new Set<string>();
  const vanished: { prior: PriorItem; fromFile: string }[] = [];
  const seen = new Set<string>();
  const files = [...input.priorFileKeys.keys()].sort();
  for (const f of files) {
    if (!input.dirtyFiles.has(f) && !input.removedFiles.has(f)) continue;
    for (const key of input.priorFileKeys.get(f) ?? []) {
      if (wanted.has(key) || input.heldElsewhere.has(key)) continue;
      if (input.incompleteFiles.has(f) || conflictFiles.has(f)) {
        held.add(key);
        continue;
      }
      if (seen.has(key)) continue;
      seen.add(key);
      const prior = input.prior.get(key);
      if (prior) vanished.push({ prior, fromFile: f });
    }
  }
  const vanishedNow = vanished.filter((v) => !held.has(v.prior.key));
  plan.held = [...held].sort();

  // 4. Moves: a new key whose content equals a vanished key's is a rename; re-key, push nothing.
  const byHash = new Map<string, PriorItem[]>();
  for (const { prior: p } of vanishedNow) {
    const list = byHash.get(p.hash);
    if (list) list.push(p);
    else byHash.set(p.hash, [p]);
  }
  const movedFrom = new Set<string>();
  for (const item of creates.sort(byFileLine)) {
    const candidates = byHash.get(item.hash);
    const from = candidates?.find((p) => p.type === item.type && !movedFrom.has(p.key));
    if (from) {
      movedFrom.add(from.key);
      plan.moved.push({ item, from });
    } else {
      plan.create.push({ item });
    }
  }

  // 5. What is left vanished is stale: in the bot, no longer in the folder.
  for (const { prior: p, fromFile } of vanishedNow) {
    if (!movedFrom.has(p.key)) plan.stale.push({ prior: p, file: p.sourceFile, fromFile });
  }
  plan.update.sort((a, b) => byFileLine(a.item, b.item));
  plan.stale.sort((a, b) =>
    (a.file ?? '') < (b.file ?? '') ? -1 : (a.file ?? '') > (b.file ?? '') ? 1 : a.prior.key < b.prior.key ? -1 : 1,
  );
  return plan;
}

export function describeKey(key: string): string {
  if (key.startsWith('article:id:')) return `the article id "${key.slice('article:id:'.length)}"`;
  if (key.startsWith('url:')) return `the URL ${key.slice(4)}`;
  return `the key "${key}"`;
}

/** Counts for summaries and `--json`. */
export function planCounts(plan: Plan): {
  create: number;
  update: number;
  moved: number;
  stale: number;
  unchanged: number;
} {
  return {
    create: plan.create.length,
    update: plan.update.length,
    moved: plan.moved.length,
    stale: plan.stale.length,
    unchanged: plan.unchanged.length,
  };
}
