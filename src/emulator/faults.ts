import { ENDPOINTS } from '../api/types.js';
import { seededRandom } from '../util/text.js';
import { REPLY_MODES, type ReplyMode } from './answer.js';

/**
 * The emulator's fault and limit switches. Everything here is decided from an injected clock and
 * a seeded random source, so a test that sets the same switches sees the same faults.
 */

export type FaultKind = 'error' | 'lose' | 'rate-limit' | 'unauthorized' | 'delay' | 'late-answer' | 'reset';

/** The endpoint names a scheduled fault can target (as the client and the emulator name them), besides `"*"`. */
export const FAULT_ENDPOINTS: readonly string[] = ENDPOINTS;

export interface ScheduledFault {
  /** Which requests it hits: `"POST /bot-data"`, `"POST /upload/multiple"`, `"GET /customer-list"`, … or `"*"`. */
  endpoint?: string;
  /** The 1-based index among requests to that endpoint where it starts. */
  at: number;
  /** How many consecutive matching requests it hits (default 1; `0` = every one from `at` on). */
  times?: number;
  fault: FaultKind;
  /** Status for `error` (default 500). */
  status?: number;
  /** Seconds for the `Retry-After` of `rate-limit` (default 1). */
  retryAfterSec?: number;
  /**
   * Milliseconds for `delay` (the request waits before it is processed) and for `late-answer`
   * (it is processed at once and the answer waits: a client that gives up first cannot know
   * that it took effect).
   */
  delayMs?: number;
}

export interface FaultConfig {
  /** Requests per second before `429` (a token bucket of `burst` tokens, default one second's worth). */
  rateLimit?: { requestsPerSecond: number; burst?: number } | null;
  /** Probability in [0, 1] that a request fails with `500` before it is processed. */
  errorRate?: number;
  /** Added latency in ms: a fixed number or `[min, max]`. */
  latencyMs?: number | [number, number];
  /** Probability that a request is processed and then its connection destroyed before any reply. */
  lossRate?: number;
  /** Probability that the connection is destroyed before the request is processed (a reset). */
  resetRate?: number;
  /** Fixed faults at given request indexes, applied before the random ones. */
  schedule?: ScheduledFault[];
  /** Seed for the random faults (default 1). */
  seed?: number;
  /** How the bot words its answers (src/emulator/answer.ts): `exact` (default), `paraphrase`, or wrong on purpose. */
  replyMode?: ReplyMode;
}

/** The longest wait a timer can take (2³¹ − 1 ms): Node turns a longer one into 1 ms. */
const MAX_DELAY_MS = 2_147_483_647;

export type Decision =
  | { action: 'proceed'; delayMs: number; lose: boolean; answerDelayMs?: number }
  | { action: 'error'; status: number; delayMs: number }
  | { action: 'rate-limit'; retryAfterSec: number; delayMs: number }
  | { action: 'unauthorized'; delayMs: number }
  | { action: 'reset'; delayMs: number };

export class FaultPlan {
  #config: FaultConfig;
  #rand: () => number;
  #now: () => number;
  #tokens = 0;
  #refilledAt = 0;
  readonly #counts = new Map<string, number>();

  constructor(config: FaultConfig = {}, now: () => number = () => performance.now()) {
    this.#config = config;
    this.#rand = seededRandom(config.seed ?? 1);
    this.#now = now;
    this.#resetBucket();
  }

  get config(): FaultConfig {
    return this.#config;
  }

  /** Replace the switches (counters of the schedule start again). */
  set(config: FaultConfig): void {
    this.#config = config;
    this.#rand = seededRandom(config.seed ?? 1);
    this.#counts.clear();
    this.#resetBucket();
  }

  #resetBucket(): void {
    const rl = this.#config.rateLimit;
    this.#tokens = rl ? (rl.burst ?? rl.requestsPerSecond) : 0;
    this.#refilledAt = this.#now();
  }

  /** Decide what happens to one request to `endpoint` (e.g. `POST /bot-data`). */
  decide(endpoint: string): Decision {
    const n = (this.#counts.get(endpoint) ?? 0) + 1;
    this.#counts.set(endpoint, n);
    const all = (this.#counts.get('*') ?? 0) + 1;
    this.#counts.set('*', all);
    const delayMs = this.#latency();

    for (const f of this.#config.schedule ?? []) {
      const target = f.endpoint ?? '*';
      const idx = target === '*' ? all : target === endpoint ? n : -1;
      if (idx < 0) continue;
      const times = f.times ?? 1;
      if (idx < f.at || (times > 0 && idx >= f.at + times)) continue;
      switch (f.fault) {
        case 'error':
          return { action: 'error', status: f.status ?? 500, delayMs };
        case 'rate-limit':
          return { action: 'rate-limit', retryAfterSec: f.retryAfterSec ?? 1, delayMs };
        case 'unauthorized':
          return { action: 'unauthorized', delayMs };
        case 'reset':
          return { action: 'reset', delayMs };
        case 'lose':
          return { action: 'proceed', delayMs, lose: true };
        case 'delay':
          return { action: 'proceed', delayMs: delayMs + (f.delayMs ?? 0), lose: false };
        case 'late-answer':
          return { action: 'proceed', delayMs, lose: false, answerDelayMs: f.delayMs ?? 0 };
      }
    }

    const rl = this.#config.rateLimit;
    if (rl && rl.requestsPerSecond > 0) {
      const t = this.#now();
      const cap = rl.burst ?? rl.requestsPerSecond;
      this.#tokens = Math.min(cap, this.#tokens + ((t - this.#refilledAt) / 1000) * rl.requestsPerSecond);
      this.#refilledAt = t;
      if (this.#tokens < 1) {
        const waitSec = (1 - this.#tokens) / rl.requestsPerSecond;
        return { action: 'rate-limit', retryAfterSec: Math.max(1, Math.ceil(waitSec)), delayMs: 0 };
      }
      this.#tokens -= 1;
    }
    if (this.#chance(this.#config.resetRate)) return { action: 'reset', delayMs };
    if (this.#chance(this.#config.errorRate)) return { action: 'error', status: 500, delayMs };
    return { action: 'proceed', delayMs, lose: this.#chance(this.#config.lossRate) };
  }

  #chance(p: number | undefined): boolean {
    if (!p || p <= 0) return false;
    return this.#rand() < p;
  }

  #latency(): number {
    const l = this.#config.latencyMs;
    if (l === undefined) return 0;
    if (typeof l === 'number') return Math.max(0, l);
    const [min, max] = l;
    return Math.max(0, Math.round(min + this.#rand() * (max - min)));
  }
}

/** Check a fault config that came from a file or a request; returns an error message or null. */
export function validateFaultConfig(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'faults must be a JSON object';
  const c = raw as Record<string, unknown>;
  const known = ['rateLimit', 'errorRate', 'latencyMs', 'lossRate', 'resetRate', 'schedule', 'seed', 'replyMode'];
  for (const k of Object.keys(c))
    if (!known.includes(k)) return `unknown fault switch "${k}" (known: ${known.join(', ')})`;
  for (const k of ['errorRate', 'lossRate', 'resetRate']) {
    const v = c[k];
    if (v !== undefined && (typeof v !== 'number' || v < 0 || v > 1)) return `${k} must be a number from 0 to 1`;
  }
  const l = c.latencyMs;
  if (
    l !== undefined &&
    !(typeof l === 'number' && l >= 0 && l <= MAX_DELAY_MS) &&
    !(Array.isArray(l) && l.length === 2 && l.every((x) => typeof x === 'number' && x >= 0 && x <= MAX_DELAY_MS))
  ) {
    return `latencyMs must be a number of ms or [min, max], at most ${MAX_DELAY_MS}`;
  }
  if (c.seed !== undefined && !Number.isFinite(c.seed)) return 'seed must be a number';
  if (c.replyMode !== undefined && !(REPLY_MODES as readonly unknown[]).includes(c.replyMode))
    return `replyMode must be one of ${REPLY_MODES.join(', ')}`;
  const rl = c.rateLimit;
  if (rl !== undefined && rl !== null) {
    if (typeof rl !== 'object' || Array.isArray(rl)) return 'rateLimit must be an object or null';
    const r = rl as Record<string, unknown>;
    if (typeof r.requestsPerSecond !== 'number' || r.requestsPerSecond <= 0)
      return 'rateLimit.requestsPerSecond must be a positive number';
    if (r.burst !== undefined && (typeof r.burst !== 'number' || r.burst < 1))
      return 'rateLimit.burst must be a number ≥ 1';
  }
  if (c.schedule !== undefined) {
    if (!Array.isArray(c.schedule)) return 'schedule must be a list';
    const kinds = ['error', 'lose', 'rate-limit', 'unauthorized', 'delay', 'late-answer', 'reset'];
    for (const [i, f] of c.schedule.entries()) {
      const e = f as Record<string, unknown>;
      if (typeof e !== 'object' || e === null) return `schedule[${i}] must be an object`;
      if (typeof e.at !== 'number' || e.at < 1) return `schedule[${i}].at must be a request index ≥ 1`;
      if (typeof e.fault !== 'string' || !kinds.includes(e.fault))
        return `schedule[${i}].fault must be one of ${kinds.join(', ')}`;
      // A misspelt endpoint would silently never fire: refuse it.
      if (
        e.endpoint !== undefined &&
        (typeof e.endpoint !== 'string' || (e.endpoint !== '*' && !FAULT_ENDPOINTS.includes(e.endpoint)))
      ) {
        return `schedule[${i}].endpoint must be "*" or one of ${FAULT_ENDPOINTS.join(', ')}`;
      }
      if (e.times !== undefined && !(Number.isInteger(e.times) && (e.times as number) >= 0))
        return `schedule[${i}].times must be an integer ≥ 0`;
      if (
        e.status !== undefined &&
        !(Number.isInteger(e.status) && (e.status as number) >= 400 && (e.status as number) <= 599)
      ) {
        return `schedule[${i}].status must be an HTTP error status (400 to 599)`;
      }
      if (e.retryAfterSec !== undefined && !(typeof e.retryAfterSec === 'number' && e.retryAfterSec >= 0))
        return `schedule[${i}].retryAfterSec must be a number ≥ 0`;
      if (e.delayMs !== undefined && !(typeof e.delayMs === 'number' && e.delayMs >= 0 && e.delayMs <= MAX_DELAY_MS))
        return `schedule[${i}].delayMs must be a number from 0 to ${MAX_DELAY_MS} (about 24 days)`;
      if ((e.fault === 'delay' || e.fault === 'late-answer') && e.delayMs === undefined)
        return `schedule[${i}].delayMs is required for ${e.fault}`;
    }
  }
  return null;
}
