/**
 * The emulator's reading switches: where the vendor document can be read two (or more) ways, the
 * emulator can play each reading, so that tests prove the client works under all of them. The
 * default of each is the lenient one the contract describes. Set them like the fault switches:
 * `startEmulator({ readings })`, `kb-sync emulator --reading total=remaining` (or `--readings
 * JSON|FILE`), or `PUT /__emulator/readings` while it runs. See docs/api-readings.md.
 */
export interface Readings {
  /**
   * What `total` counts on `GET /customer-list` and `GET /sessions-by-customer`: every matching
   * row (`all`), the rows from the cursor or offset on (`remaining`), the rows of this page
   * (`page`), or no `total` at all (`absent`).
   */
  total: 'all' | 'remaining' | 'page' | 'absent';
  /** Where `POST /upload/multiple` reads the token: the query string, the form field, or either. */
  uploadToken: 'either' | 'query' | 'form';
  /** Whether `POST /messages` refuses a body without `metadata`. */
  metadata: 'optional' | 'required';
  /** The token parameter `GET /customer-detail/:id` reads: `workspace_token`, `workshop_id`, or either. */
  customerDetailToken: 'either' | 'workspace_token' | 'workshop_id';
  /** The `date_range` format `GET /sessions-by-customer` accepts: ISO text, epoch milliseconds, or either. */
  dateRange: 'any' | 'iso' | 'epoch-ms';
  /** Whether `cursor` on `GET /customer-list` returns rows created before it (`exclusive`) or at it too. */
  cursor: 'exclusive' | 'inclusive';
}

export const READING_CHOICES: { readonly [K in keyof Readings]: readonly Readings[K][] } = {
  total: ['all', 'remaining', 'page', 'absent'],
  uploadToken: ['either', 'query', 'form'],
  metadata: ['optional', 'required'],
  customerDetailToken: ['either', 'workspace_token', 'workshop_id'],
  dateRange: ['any', 'iso', 'epoch-ms'],
  cursor: ['exclusive', 'inclusive'],
};

export const DEFAULT_READINGS: Readings = {
  total: 'all',
  uploadToken: 'either',
  metadata: 'optional',
  customerDetailToken: 'either',
  dateRange: 'any',
  cursor: 'exclusive',
};

/** Check readings that came from a file, a flag or a request; returns an error message or null. */
export function validateReadings(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'readings must be a JSON object';
  const known = Object.keys(READING_CHOICES);
  for (const [k, v] of Object.entries(raw)) {
    if (!known.includes(k)) return `unknown reading "${k}" (known: ${known.join(', ')})`;
    const allowed = READING_CHOICES[k as keyof Readings] as readonly string[];
    if (typeof v !== 'string' || !allowed.includes(v)) return `${k} must be one of ${allowed.join(', ')}`;
  }
  return null;
}

/** `total=remaining` (a `--reading` flag) as one reading; throws a message naming what is allowed. */
export function parseReading(spec: string): Partial<Readings> {
  const m = /^([A-Za-z-]+)=(.+)$/.exec(spec.trim());
  if (!m) throw new Error(`--reading must be NAME=VALUE (e.g. total=remaining), not "${spec}"`);
  const name = m[1]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const value = m[2]!;
  const one = { [name]: value };
  const problem = validateReadings(one);
  if (problem) throw new Error(`--reading ${spec}: ${problem}`);
  return one;
}
