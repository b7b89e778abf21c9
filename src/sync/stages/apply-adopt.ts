import os from 'node:os';
import type { ItemResult } from '../../events.js';
import type { RunContext } from '../context.js';
import { plannedItem, staleItem } from '../item-results.js';
import { movesOf, sentNothing, type Applied, type ApplyInput } from './apply.js';
import { recordsFor } from './record.js';
import { knowledgeDirKey } from '../settings.js';

/**
 * The adopt strategy (`kb-sync adopt --yes`): record what would be created as already in the
 * bot (origin "adopted", no remote id) and push nothing. Renames are applied and what the folder
 * no longer has turns stale, as after a sync; updates are left for a later sync.
 */
export function applyAdopt(ctx: RunContext, input: ApplyInput): Promise<Applied> {
  const { store, botId, cfg } = ctx;
  const { plan, priorFileKeys, conflicted } = input.planned;
  const runId = store.startRun(botId, 'adopt', os.hostname());
  store.ensureBot(botId, cfg.apiBaseUrl);
  store.moveKnowledgeDir(botId, knowledgeDirKey(cfg));
  store.setFingerprint(botId, input.sel.fingerprint);
  store.applyMoves(botId, movesOf(plan), runId);
  store.applyRemovals(
    botId,
    plan.stale.map((st) => st.prior.key),
    runId,
  );
  // No payload hashes: rendering every article would make adopt as slow as a full push's
  // preparation; the first source edit of an adopted article is then pushed as an update.
  const adopted = plan.create.map((c) => ({ ...c.item, payloadHash: null }));
  store.adoptItems(botId, adopted, runId);
  store.recordFiles(botId, recordsFor(input.results, plan, priorFileKeys, conflicted));
  store.forgetFiles(botId, input.sel.removed);
  store.recordBlobs(botId, input.sel.blobs);
  store.markSynced(botId);
  const items: ItemResult[] = [
    ...plan.stale.map((st) => staleItem(st.prior)),
    ...plan.create.map((c): ItemResult => ({ ...plannedItem(c.item, 'create'), status: 'unchanged' })),
    ...plan.update.map((u): ItemResult => ({
      ...plannedItem(u.item, 'update'),
      status: 'skipped',
      error: 'already tracked with another version; `kb-sync sync` pushes it',
    })),
    ...plan.moved.map((m): ItemResult => ({ ...plannedItem(m.item, 'move'), status: 'moved' })),
  ];
  const counts = {
    create: 0,
    update: 0,
    moved: plan.moved.length,
    stale: plan.stale.length,
    unchanged: Math.max(0, store.itemCount(botId) - plan.moved.length),
    failed: 0,
  };
  store.finishRun(runId, 'ok', { ...counts, adopted: adopted.length });
  return Promise.resolve({ ...sentNothing(plan, items, counts), adopted: adopted.length });
}
