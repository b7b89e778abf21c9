import type { ItemResult } from '../events.js';
import type { DesiredItem, PriorItem } from '../plan/plan.js';

/** An item the plan acts on, before anything is done (status "planned"). */
export function plannedItem(item: DesiredItem, action: ItemResult['action']): ItemResult {
  return {
    key: item.key,
    type: item.type,
    label: item.label,
    file: item.file,
    line: item.line,
    action,
    status: 'planned',
  };
}

/** An item that turned (or would turn) stale: in the bot, no longer in the folder. */
export function staleItem(p: PriorItem): ItemResult {
  return {
    key: p.key,
    type: p.type,
    label: p.label,
    file: p.sourceFile ?? '',
    line: 0,
    action: 'stale',
    status: 'stale',
    ...(p.remoteId ? { remoteId: p.remoteId } : {}),
  };
}
