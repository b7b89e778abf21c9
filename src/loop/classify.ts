import type { Message } from '../api/types.js';
import { normalizeText } from '../util/text.js';
import { DEFAULT_TALK, type TalkRules } from './talk.js';
import { oneLine } from './words.js';

/**
 * Which customer questions of a conversation the bot could not answer. Pure.
 *
 * Who wrote a message is read from `sender_id`: the customer's id → customer, the bot's id →
 * bot, no sender → system, anyone else → a human agent.
 *
 * Walking the messages in order, the customer's messages since the last reply are the pending
 * question (greetings, thanks and "can I talk to a person", in several languages, are not
 * questions: src/loop/talk.ts; several question
 * messages in a row are one question). Then:
 * - a bot reply equal to the bot's `reply_unknown` (from the message's `bot`, else the session's)
 *   marks the pending question **unanswered** (`unknown-reply`); any other bot reply answers it;
 * - an agent's message marks the pending question unanswered (`agent`); with nothing pending, the
 *   question the bot answered last counts, if the customer then asked for a person (the bot's
 *   answer did not do).
 */

export type Role = 'customer' | 'bot' | 'agent' | 'system';
export type UnansweredReason = 'unknown-reply' | 'agent';

export interface UnansweredQuestion {
  /** The question as the customer wrote it (several messages joined; whitespace collapsed). */
  text: string;
  /** The first message of the question. */
  messageId: string;
  sessionId: string;
  customerId: string;
  /** When it was asked (ISO). */
  at: string;
  reason: UnansweredReason;
}

export function roleOf(m: Pick<Message, 'sender_id' | 'bot_id'>, customerId: string, botId?: string): Role {
  if (m.sender_id === null || m.sender_id === undefined || m.sender_id === '') return 'system';
  if (m.sender_id === customerId) return 'customer';
  if (m.sender_id === m.bot_id || (botId !== undefined && m.sender_id === botId)) return 'bot';
  return 'agent';
}

/** A greeting, thanks, an emoji: nothing but small talk (any language of src/loop/talk.ts). */
export function isSmallTalk(text: string, rules: TalkRules = DEFAULT_TALK): boolean {
  return rules.isSmallTalk(text);
}

/** The customer asks for a person ("Can I talk to a person, please?", "Quiero hablar con un agente"). */
export function isHandoffRequest(text: string, rules: TalkRules = DEFAULT_TALK): boolean {
  return rules.isHandoffRequest(text);
}

/** Whether a bot reply is its "unknown" reply: equal, or containing it, after normalization. */
export function isUnknownReply(reply: string, replyUnknown: readonly string[]): boolean {
  const r = normalizeText(reply);
  if (r === '') return false;
  return replyUnknown.some((u) => {
    const n = normalizeText(u);
    return n !== '' && (r === n || (n.length >= 20 && r.includes(n)));
  });
}

export interface SessionInput {
  sessionId: string;
  customerId: string;
  botId: string;
  /** The session's bot `reply_unknown`, when known. */
  replyUnknown?: string;
  /** The conversation's messages (any order: they are sorted by `created_at`). */
  messages: readonly Message[];
  /**
   * Customer messages after this time (ISO) are not questions (replies after it still count), so
   * that what is written later in a conversation never changes what a past range found.
   */
  askedUntil?: string;
}

const MAX_QUESTION = 500;

export function findUnanswered(input: SessionInput, rules: TalkRules = DEFAULT_TALK): UnansweredQuestion[] {
  const msgs = input.messages
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => !m.unsent && m.deleted_at === null)
    .sort((a, b) => cmp(a.m.created_at, b.m.created_at) || a.i - b.i)
    .map(({ m }) => m);
  const out: UnansweredQuestion[] = [];
  let pending: Message[] = [];
  let lastAnswered: Message[] = [];
  let askedForPerson = false;
  const emit = (qs: Message[], reason: UnansweredReason) => {
    const first = qs[0];
    if (!first) return;
    let text = scrubContactDetails(oneLine(qs.map((q) => q.content).join(' ')));
    if (text.length > MAX_QUESTION) text = `${text.slice(0, MAX_QUESTION - 1)}…`;
    out.push({
      text,
      messageId: first.id,
      sessionId: input.sessionId,
      customerId: input.customerId,
      at: first.created_at,
      reason,
    });
  };
  for (const m of msgs) {
    const role = roleOf(m, input.customerId, input.botId);
    if (role === 'system') continue;
    if (role === 'customer') {
      if (input.askedUntil !== undefined && Date.parse(m.created_at) > Date.parse(input.askedUntil)) continue;
      const content = m.content ?? '';
      if (rules.isHandoffRequest(content)) askedForPerson = true;
      else if (content.trim() !== '' && !rules.isSmallTalk(content)) pending.push(m);
      continue;
    }
    if (role === 'bot') {
      const unknowns = [m.bot?.reply_unknown, input.replyUnknown].filter((u): u is string => typeof u === 'string');
      if (pending.length > 0) {
        if (isUnknownReply(m.content ?? '', unknowns)) {
          emit(pending, 'unknown-reply');
          lastAnswered = [];
        } else {
          lastAnswered = pending;
        }
        pending = [];
        askedForPerson = false;
      }
      continue;
    }
    // An agent stepped in.
    if (pending.length > 0) emit(pending, 'agent');
    else if (askedForPerson && lastAnswered.length > 0) emit(lastAnswered, 'agent');
    pending = [];
    lastAnswered = [];
    askedForPerson = false;
  }
  return out;
}

/**
 * Harvested questions end up in a file committed to git: e-mail addresses become `[email]` and
 * runs of 9 or more digits (phone, tracking and card numbers) become `[number]`.
 */
export function scrubContactDetails(text: string): string {
  return text
    .replace(/[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu, '[email]')
    .replace(/\+?\d(?:[\s().-]*\d){8,}/g, '[number]');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
