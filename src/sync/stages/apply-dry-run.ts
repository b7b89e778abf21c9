import type { ItemResult } from '../../events.js';
import type { Plan } from '../../plan/plan.js';
import type { RunContext } from '../context.js';
import { plannedItem, staleItem } from '../item-results.js';
import { filesByPath, sentNothing, type Applied, type ApplyInput } from './apply.js';
import { refineUpdates } from './refine.js';

/**
 * The dry-run strategy (`plan`, `sync --dry-run`): refine the plan and show it; write nothing.
 * The plan's creates are handed over to the outcome's items: its create list is emptied.
 */
export async function applyDryRun(ctx: RunContext, input: ApplyInput): Promise<Applied> {
  const planned = input.planned.plan;
  // Only updates are refined: no map of every file for a plan without any (a cold plan).
  const plan =
    planned.update.length === 0 ? planned : await refineUpdates(ctx, planned, filesByPath(input.sel.scan.files));
  const outcome = dryRunOutcome(plan, ctx.store.itemCount(ctx.botId));
  // The creates live on as the outcome's items (key, title, file, line): the desired items behind
  // them, with their hashes, are let go of (a cold plan of a big folder has hundreds of thousands,
  // and they would stay alive beside the items until the run is reported).
  plan.create.length = 0;
  return outcome;
}

/** Pure: a plan's items and counts, `itemCount` being how many items the bot has now. */
export function dryRunOutcome(plan: Plan, itemCount: number): Applied {
  const items: ItemResult[] = [];
  for (const c of plan.create) items.push(plannedItem(c.item, 'create'));
  for (const u of plan.update) items.push({ ...plannedItem(u.item, 'update'), replacedRemoteId: u.prior.remoteId });
  for (const m of plan.moved) items.push({ ...plannedItem(m.item, 'move'), remoteId: m.from.remoteId ?? undefined });
  for (const s of plan.stale) items.push(staleItem(s.prior));
  const counts = {
    create: plan.create.length,
    update: plan.update.length,
    moved: plan.moved.length,
    // Each update's old version would turn stale too (listed with the reason "changed").
    stale: plan.stale.length + plan.update.length,
    // Everything the bot has that this plan does not touch (read from a counter, not counted).
    unchanged: Math.max(0, itemCount - plan.update.length - plan.moved.length - plan.stale.length),
    failed: 0,
  };
  return sentNothing(plan, items, counts);
}
