import type { BotDataType } from '../api/types.js';
import type { FileIssue } from '../errors.js';
import type { JsxSettings } from './jsx.js';

export type { Kind } from '../scan/file.js';

/** The settings that change what extraction produces (part of every hash's fingerprint). */
export interface ExtractSettings {
  markdownFormat: 'markdown' | 'text';
  /** Makes relative links absolute; the file's folder then takes part in an article's hash. */
  markdownBaseUrl?: string;
  maxTextBytes: number;
  maxItemsPerFile: number;
  maxDocumentBytes: number;
  /** What happens to MDX (JSX) elements (`markdown.jsx`); the defaults when absent. */
  jsx?: JsxSettings;
  /** The keys of Q&A entries and columns (`qa`); the defaults when absent. */
  qa?: QaFields;
}

/** Q&A entry keys (and CSV column names), most preferred first. */
export interface QaFields {
  question: readonly string[];
  answer: readonly string[];
  /** Keys holding a list of entries: in a group, or at the top of the file. */
  groups: readonly string[];
  /** Keys naming a group. */
  groupName: readonly string[];
}

/** What is sent to `POST /bot-data` (documents: `content` is the uploaded file's URL, filled at push). */
export interface Payload {
  type: BotDataType;
  title?: string;
  content: string;
  content_value?: string;
}

/**
 * One item a file yields, without its content (content is rebuilt at push time, so memory does
 * not grow with the folder). `hash` identifies exactly what would be sent: for Q&A and URLs it
 * is the hash of the payload; for articles the hash of the source that deterministically renders
 * to the payload; for documents the hash of the bytes and the title.
 */
export interface ItemMeta {
  key: string;
  type: BotDataType;
  /** Article title, Q&A question, URL, or document file name: what a person recognises. */
  label: string;
  hash: string;
  /** 1-based line in the file where the item starts. */
  line: number;
}

export interface FileExtract {
  items: ItemMeta[];
  issues: FileIssue[];
  /** Whether removals of this file's earlier items may be applied (false when it had errors). */
  complete: boolean;
  /** Why nothing came out of a file on purpose (draft, `sync: false`, empty body). */
  skipped?: 'draft' | 'sync-false' | 'empty';
  /** Q&A entries left out because they are drafts. */
  draftEntries?: number;
  /** Hash of the file's raw bytes. */
  contentHash?: string;
}

/** What the renderer needs to render one article (render.ts). */
export interface RenderInput {
  /** The article's body (the file after its frontmatter), as the author wrote it. */
  source: string;
  relPath: string;
  title: string;
  /** 0-based line of `source` with the level-1 heading the title was taken from (it is removed). */
  titleLine?: number;
  /**
   * Parse as MDX: `'file'` for `.mdx` files (invalid MDX is an error); `'detected'` for Markdown
   * files with MDX import/export statements (invalid MDX: sent as Markdown without those lines).
   */
  mdx: false | 'file' | 'detected';
}
