import type { ScannedFile } from '../../scan/file.js';
import type { Plan, PlannedUpdate } from '../../plan/plan.js';
import type { RunContext } from '../context.js';
import { withRenderer } from '../renderer.js';

/**
 * Part of the plan stage, for dry runs: an article whose source changed may still render to
 * what was sent (a whitespace edit). Such an update is no update. A sync finds that out at push
 * time; a plan renders the candidates to say so up front.
 */

/** Pure: the planned updates worth rendering (articles whose sent payload is known), by file. */
export function refineCandidates(plan: Plan): Map<string, PlannedUpdate[]> {
  const byFile = new Map<string, PlannedUpdate[]>();
  for (const u of plan.update) {
    if (!isCandidate(u)) continue;
    const list = byFile.get(u.item.file) ?? [];
    list.push(u);
    byFile.set(u.item.file, list);
  }
  return byFile;
}

/**
 * Pure: a new plan in which each candidate update whose rendered payload hash (by key, in
 * `payloadHashes`) equals what was sent last is unchanged instead. The plan given is not changed.
 */
export function refinePlan(plan: Plan, payloadHashes: ReadonlyMap<string, string>): Plan {
  const update = plan.update.filter((u) => !isCandidate(u));
  const unchanged = [...plan.unchanged];
  for (const ups of refineCandidates(plan).values()) {
    for (const u of ups) {
      if (payloadHashes.get(u.item.key) === u.prior.payloadHash) unchanged.push(u.item);
      else update.push(u);
    }
  }
  return { ...plan, update, unchanged };
}

/** Render the candidates' files again: key → payload hash of what would be sent now. */
export async function renderPayloadHashes(
  candidates: ReadonlyMap<string, readonly PlannedUpdate[]>,
  files: ReadonlyMap<string, ScannedFile>,
  ctx: Pick<RunContext, 'settings' | 'cfg'>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (candidates.size === 0) return out;
  const { buildPayloads } = await import('../../extract/index.js');
  await withRenderer(true, ctx.cfg.limits.renderTimeoutMs, async (render) => {
    for (const file of candidates.keys()) {
      const f = files.get(file);
      const built = f ? await buildPayloads(f, ctx.settings, render) : undefined;
      if (built instanceof Map) for (const [key, bp] of built) out.set(key, bp.payloadHash);
    }
  });
  return out;
}

/** The refinement as a stage: render the candidates, then refine. */
export async function refineUpdates(
  ctx: Pick<RunContext, 'settings' | 'cfg'>,
  plan: Plan,
  files: ReadonlyMap<string, ScannedFile>,
): Promise<Plan> {
  const candidates = refineCandidates(plan);
  if (candidates.size === 0) return plan;
  return refinePlan(plan, await renderPayloadHashes(candidates, files, ctx));
}

function isCandidate(u: PlannedUpdate): boolean {
  return u.item.type === 'TEXT' && Boolean(u.prior.payloadHash);
}
