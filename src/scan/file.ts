import type fs from 'node:fs';

/**
 * What a scan finds: the lowest layer of the pipeline, shared by scan/, extract/ and state/
 * (so that none of them imports another's internals for these).
 */

/** The kinds of knowledge file, by name (see `kinds` in the configuration). */
export type Kind = 'article' | 'qa' | 'urls' | 'document';

/** A file's identity for the stat fast path, as git uses it: size, mtime, ctime and inode. */
export type StatSig = string;

export function statSig(st: fs.Stats): StatSig {
  // Plain (not bigint) stats: they cost less to make, and a double keeps mtime to well under a
  // microsecond. Size, both times and the inode together, as git compares them.
  // Joined, not a template: one flat string (a template builds a tree of a dozen small strings,
  // which a scan of 100k files keeps alive twice over).
  return [st.size, st.mtimeMs, st.ctimeMs, st.ino].join(':');
}

/** A file the scan found: where it is, what kind it is, and its stat signature. */
export interface ScannedFile {
  /** Relative to knowledgeDir, forward slashes. */
  relPath: string;
  /** What to open (the checked target, for a symbolic link inside the folder). */
  absPath: string;
  kind: Kind;
  /** '' when the scan did not stat the file (git vouched for it). */
  sig: StatSig;
  /** The knowledge folder's real path: what is opened for this file must be inside it. */
  root?: string;
  /** The repository's object format, when the scan asked git: the read records the file's blob id. */
  blobFormat?: 'sha1' | 'sha256';
}
