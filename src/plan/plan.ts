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
  const claims = resolveClaims(input);
  const { creates, update, unchanged } = compareWithState(claims.wanted, input.prior);
  const { held, vanished } = vanishedKeys(input, claims.wanted, claims.conflictFiles);
  const { create, moved, movedFrom } = matchMoves(creates, vanished);
  // What is left vanished is stale: in the bot, no longer in the folder.
  const stale: PlannedStale[] = [];
  for (const { prior: p, fromFile } of vanished) {
    if (!movedFrom.has(p.key)) stale.push({ prior: p, file: p.sourceFile, fromFile });
  }
  update.sort((a, b) => byFileLine(a.item, b.item));
  stale.sort((a, b) =>
    (a.file ?? '') < (b.file ?? '') ? -1 : (a.file ?? '') > (b.file ?? '') ? 1 : a.prior.key < b.prior.key ? -1 : 1,
  );
  return {
    create,
    update,
    moved,
    stale,
    unchanged,
    held,
    duplicates: claims.duplicates,
    conflicts: claims.conflicts,
    lost: claims.lost,
  };
}

interface Claims extends Pick<Plan, 'duplicates' | 'conflicts' | 'lost'> {
  /** The item that yields each key this run. */
  wanted: Map<string, DesiredItem>;
  /** Files that lost a key to another: their earlier keys are held, not turned stale. */
  conflictFiles: Set<string>;
}

/**
 * One item per key. A key claimed by several files stays with the file that already had it (an
 * unchanged file, or a re-read one whose earlier keys include it); otherwise the first by path
 * gets it. A URL listed again is a duplicate; anything else claimed twice is a conflict, reported
 * on the file that loses it.
 */
function resolveClaims(input: PlanInput): Claims {
  const out: Claims = { wanted: new Map(), conflictFiles: new Set(), duplicates: [], conflicts: [], lost: new Map() };
  const { wanted } = out;
  const owned = (item: DesiredItem) => input.priorFileKeys.get(item.file)?.includes(item.key) ?? false;
  // One pass takes the first claim of each key; only keys claimed more than once, or held by a
  // file not read (rare), are then looked at again, with all their claims, in the order of their
  // first claim. (A cold plan has many keys: nothing per key but the one map entry.)
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
        out.duplicates.push(item);
        continue;
      }
      out.conflictFiles.add(item.file);
      const lost = out.lost.get(item.file) ?? new Set<string>();
      lost.add(key);
      out.lost.set(item.file, lost);
      out.conflicts.push({
        file: item.file,
        line: item.line,
        severity: 'error',
        message: `${describeKey(key)} is already used by ${winner ? winner.file : 'another file'}; each item needs its own`,
      });
    }
  }
  return out;
}

/** Each wanted item against the state: new (a create, or a move found later), changed, or unchanged. */
function compareWithState(
  wanted: ReadonlyMap<string, DesiredItem>,
  prior: PlanInput['prior'],
): { creates: DesiredItem[]; update: PlannedUpdate[]; unchanged: DesiredItem[] } {
  const creates: DesiredItem[] = [];
  const update: PlannedUpdate[] = [];
  const unchanged: DesiredItem[] = [];
  for (const item of wanted.values()) {
    const p = prior.get(item.key);
    if (!p) creates.push(item);
    else if (p.hash === item.hash && p.type === item.type) unchanged.push(item);
    else update.push({ item, prior: p });
  }
  return { creates, update, unchanged };
}

/**
 * Keys the re-read and removed files no longer yield: `vanished` (each once, with the first file
 * by path that had it), or `held` (sorted) when that file has errors or lost a key in a conflict,
 * so that a half-read file never turns its items stale.
 */
function vanishedKeys(
  input: PlanInput,
  wanted: ReadonlyMap<string, DesiredItem>,
  conflictFiles: ReadonlySet<string>,
): { held: string[]; vanished: { prior: PriorItem; fromFile: string }[] } {
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
  return { held: [...held].sort(), vanished: vanished.filter((v) => !held.has(v.prior.key)) };
}

/**
 * Moves: a new key whose content (hash and type) equals a vanished key's is a rename; it is
 * re-keyed and nothing is pushed. Each vanished key is taken once, by new items in file and line
 * order; the other new items are creates.
 */
function matchMoves(
  creates: DesiredItem[],
  vanished: readonly { prior: PriorItem }[],
): { create: PlannedCreate[]; moved: PlannedMove[]; movedFrom: Set<string> } {
  const byHash = new Map<string, PriorItem[]>();
  for (const { prior: p } of vanished) {
    const list = byHash.get(p.hash);
    if (list) list.push(p);
    else byHash.set(p.hash, [p]);
  }
  const create: PlannedCreate[] = [];
  const moved: PlannedMove[] = [];
  const movedFrom = new Set<string>();
  for (const item of creates.sort(byFileLine)) {
    const from = byHash.get(item.hash)?.find((p) => p.type === item.type && !movedFrom.has(p.key));
    if (from) {
      movedFrom.add(from.key);
      moved.push({ item, from });
    } else {
      create.push({ item });
    }
  }
  return { create, moved, movedFrom };
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
