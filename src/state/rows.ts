import type { BotDataType } from '../api/types.js';

/** Where an item's row came from: pushed by kb-sync, adopted as already in the bot, or imported from a snapshot. */
export type Origin = 'pushed' | 'adopted' | 'imported';

export interface ItemRow {
  key: string;
  type: BotDataType;
  label: string;
  hash: string;
  payloadHash: string | null;
  remoteId: string | null;
  origin: Origin;
  sourceFile: string | null;
  sourceLine: number | null;
  syncedAt: string;
}
