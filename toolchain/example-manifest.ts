// An example's example.json: what it is about, which module sources it loads, per architecture, and
// its timeline. No file system here: the command line and the embeds' build step read the file
// (example.ts), the playground gets it bundled. One schema checks every field for all three; an
// error names the file and the field ("timeline.0.at.afterCalls") and never quotes a value, since a
// file that is not what it should be can hold anything.
import * as v from 'valibot';
import { CONSISTENCY_MODELS, type ExampleTimelineEntry, type TimelineEntry } from '../core/timeline.ts';
import { type Arch, ARCHES } from '../core/arch.ts';
import { count } from '../core/count.ts';

/** Sizes and counts an example may have; README.md ("Live patching from the CLI") lists them. */
export const EXAMPLE_LIMITS = {
  /** Bytes of example.json. */
  manifestBytes: 64 * 1024,
  /** Bytes of one module or patch source file. */
  sourceBytes: 256 * 1024,
  modules: 32,
  /** Events of one timeline. */
  events: 100,
  /** Characters of a file name, of an example's name and of a module or function name. */
  nameLength: 100,
  titleLength: 200,
  summaryLength: 5000,
  noteLength: 2000,
  afterCalls: 1_000_000_000,
  afterInstructions: 1_000_000_000_000,
  thenInstructions: 1_000_000,
  /** Instructions of a thread's slice (sandbox/threads.ts: MAX_SLICE). */
  slice: 1_000_000_000,
} as const;

export interface ExampleManifest {
  title: string;
  summary: string;
  arches: Arch[];
  /** Module sources in load order; each module sees the exports of those before it. */
  modules: string[];
  /** Patches applied or rolled back while the program runs: one list, or one per architecture. */
  timeline?: ExampleTimelineEntry[] | Partial<Record<Arch, ExampleTimelineEntry[]>>;
  /** Instructions a guest thread runs before the next one gets the CPU (programs with threads). */
  slice?: number;
}

/** What a timeline entry of example.json does, with the files it names (see `exampleFilePath`). */
export type ExampleAction =
  /** Build the patch source `file` and apply it; `builtAgainst`: build it against this other build of its module. */
  | { kind: 'apply'; file: string; builtAgainst?: string }
  | { kind: 'rollback'; module: string };

export type ExampleTimelineEvent = TimelineEntry<ExampleAction>;

/** A file an example names: "pricing.s", or "price-tax:pricing.s" for a file of the example price-tax. */
const PLAIN_FILE = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]|\.(?!\.))*\.s$/;
/** An example's name: its directory under examples/. */
export const EXAMPLE_ID = /^[a-z0-9][a-z0-9-]*$/;
const SYMBOL = /^[A-Za-z_.$][\w.$]*$/;

export interface ExampleFileName {
  /** The other example the file belongs to, for "other:name". */
  example?: string;
  file: string;
}

/** The parts of a file name an example uses, or undefined when it is not one (see PLAIN_FILE). */
export function parseExampleFileName(name: string): ExampleFileName | undefined {
  if (name.length > EXAMPLE_LIMITS.nameLength * 2 + 1) return undefined;
  const colon = name.indexOf(':');
  const [example, file] = colon < 0 ? [undefined, name] : [name.slice(0, colon), name.slice(colon + 1)];
  if (file.length > EXAMPLE_LIMITS.nameLength || !PLAIN_FILE.test(file)) return undefined;
  if (example !== undefined && (example.length > EXAMPLE_LIMITS.nameLength || !EXAMPLE_ID.test(example))) return undefined;
  return example === undefined ? { file } : { example, file };
}

/** A plain file name (no "other:" part), as a file of the playground or of a link is named. */
export function isPlainFileName(name: string): boolean {
  return name.length <= EXAMPLE_LIMITS.nameLength && PLAIN_FILE.test(name);
}

const FILE_NAME_WORDS = 'a file name such as "pricing.s" or "price-tax:pricing.s" (letters, digits, "_", "-" and ".", ending in ".s")';

export const FILE_NAME = v.pipe(v.string(`must be ${FILE_NAME_WORDS}`),
  v.check((name) => parseExampleFileName(name) !== undefined, `must be ${FILE_NAME_WORDS}`));
export const PLAIN_FILE_NAME = v.pipe(v.string('must be a file name'), v.check(isPlainFileName,
  'must be a file name such as "pricing.s" (letters, digits, "_", "-" and ".", ending in ".s")'));

const text = (max: number, what = 'text') => v.pipe(v.string(`must be ${what}`), v.maxLength(max, `must be at most ${count(max)} characters long`));

const wholeNumber = (max: number) => v.pipe(v.number('must be a whole number'), v.integer('must be a whole number'),
  v.minValue(0, 'must be 0 or more'), v.maxValue(max, `must be at most ${count(max)}`));

const FUNCTION = v.pipe(v.string('must be "module!function"'), v.maxLength(EXAMPLE_LIMITS.nameLength * 2 + 1, 'is too long'),
  v.check((s) => { const [m, f, ...rest] = s.split('!'); return rest.length === 0 && SYMBOL.test(m!) && f !== undefined && SYMBOL.test(f); },
    'must be "module!function", such as "pricing!price_with_tax"'));

const MODULE = v.pipe(v.string('must be a module name'), v.maxLength(EXAMPLE_LIMITS.nameLength, 'is too long'),
  v.regex(SYMBOL, 'must be a module name, such as "pricing"'));

/** `schema` for an object, refusing a list (which valibot's object schemas take for an object). */
export function notAList<T extends v.GenericSchema>(schema: T, message: string) {
  return v.lazy((value) => Array.isArray(value) ? v.custom<v.InferOutput<T>>(() => false, message) : schema);
}

const MOMENT_WORDS = 'must be { "afterCalls": N, "of": "module!function" } or { "afterInstructions": N }';
// No unions: valibot reports a union's failure without the field inside it, so the value's own shape
// picks the schema.
const AFTER_CALLS = v.strictObject({
  afterCalls: wholeNumber(EXAMPLE_LIMITS.afterCalls),
  of: FUNCTION,
  thenInstructions: v.optional(wholeNumber(EXAMPLE_LIMITS.thenInstructions)),
}, MOMENT_WORDS);
const AFTER_INSTRUCTIONS = v.strictObject({ afterInstructions: wholeNumber(EXAMPLE_LIMITS.afterInstructions) }, MOMENT_WORDS);
const MOMENT = notAList(v.lazy((value) => typeof value === 'object' && value !== null && 'afterInstructions' in value
  ? AFTER_INSTRUCTIONS : AFTER_CALLS), MOMENT_WORDS);

const EVENT_WORDS = 'must be an event: { "at": ..., "apply": "file.s" } or { "at": ..., "rollback": "module" }';
const EVENT = notAList(v.pipe(v.strictObject({
  at: MOMENT,
  apply: v.optional(FILE_NAME),
  rollback: v.optional(MODULE),
  builtAgainst: v.optional(FILE_NAME),
  edit: v.optional(FILE_NAME),
  noEdit: v.optional(v.pipe(text(EXAMPLE_LIMITS.noteLength), v.nonEmpty('must not be empty'))),
  expect: v.optional(v.picklist(['applied', 'refused'], 'must be "applied" or "refused"')),
  note: v.optional(text(EXAMPLE_LIMITS.noteLength)),
  consistency: v.optional(v.picklist(CONSISTENCY_MODELS, 'must be "entry", "fixup" or "per-thread"')),
  stallAfter: v.optional(v.pipe(wholeNumber(EXAMPLE_LIMITS.afterInstructions), v.minValue(1, 'must be 1 or more'))),
  onStall: v.optional(v.picklist(['report', 'reverse', 'force'], 'must be "report", "reverse" or "force"')),
}, EVENT_WORDS),
v.check((e) => (e.apply === undefined) !== (e.rollback === undefined), 'needs exactly one of "apply" and "rollback"'),
v.check((e) => e.builtAgainst === undefined || e.apply !== undefined, 'has "builtAgainst", which goes with "apply" only'),
v.check((e) => e.edit === undefined || e.apply !== undefined, 'has "edit", which goes with "apply" only'),
v.check((e) => e.noEdit === undefined || e.apply !== undefined, 'has "noEdit", which goes with "apply" only'),
v.check((e) => e.edit === undefined || e.noEdit === undefined, 'has both "edit" and "noEdit"'),
v.check((e) => (e.stallAfter === undefined && e.onStall === undefined) || e.consistency === 'per-thread',
  'has "stallAfter" or "onStall", which go with "consistency": "per-thread" only')), EVENT_WORDS);

const TIMELINE = v.pipe(v.array(EVENT, 'must be a list of events'),
  v.maxLength(EXAMPLE_LIMITS.events, `must have at most ${EXAMPLE_LIMITS.events} events`));
const TIMELINE_WORDS = 'must be a list of events, or one list per architecture: { "x64": [...], "arm64": [...] }';
const PER_ARCH_TIMELINE = v.strictObject({ x64: v.optional(TIMELINE), arm64: v.optional(TIMELINE) }, TIMELINE_WORDS);

const MANIFEST_WORDS = 'must be an object with "title", "summary", "arches" and "modules"';
const MANIFEST = notAList(v.strictObject({
  title: v.pipe(text(EXAMPLE_LIMITS.titleLength), v.nonEmpty('must not be empty')),
  summary: text(EXAMPLE_LIMITS.summaryLength),
  arches: v.pipe(v.array(v.picklist(ARCHES, `must be ${ARCHES.map((a) => `"${a}"`).join(' or ')}`), 'must be a list of architectures'),
    v.minLength(1, 'must list at least one architecture'), v.check((a) => new Set(a).size === a.length, 'lists an architecture twice')),
  modules: v.pipe(v.array(FILE_NAME, 'must be a list of file names'), v.minLength(1, 'must list at least one module'),
    v.maxLength(EXAMPLE_LIMITS.modules, `must list at most ${EXAMPLE_LIMITS.modules} modules`),
    v.check((m) => new Set(m).size === m.length, 'lists a file twice')),
  timeline: v.optional(v.lazy((value) => Array.isArray(value) ? TIMELINE : PER_ARCH_TIMELINE)),
  slice: v.optional(v.pipe(wholeNumber(EXAMPLE_LIMITS.slice), v.minValue(1, 'must be 1 or more'))),
}, MANIFEST_WORDS), MANIFEST_WORDS);

/** An example.json that does not follow the schema; the message names the file and the field. */
export class ManifestError extends Error {
  constructor(message: string, readonly file: string, readonly field: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** Checks every field of an example.json; `where` names the file in the error. */
export function checkExampleManifest(value: unknown, where: string): ExampleManifest {
  const result = v.safeParse(MANIFEST, value, { abortEarly: true });
  if (!result.success) throw manifestError(result.issues[0], where, 'the file');
  const manifest: ExampleManifest = result.output;
  if (manifest.timeline && !Array.isArray(manifest.timeline)) {
    const stray = (Object.keys(manifest.timeline) as Arch[]).find((arch) => !manifest.arches.includes(arch));
    if (stray) throw new ManifestError(`${where}: "timeline.${stray}" is for an architecture "arches" does not list`, where, `timeline.${stray}`);
  }
  return manifest;
}

/** The message of a schema's first issue: `<where>: "<field>" <words>`; `what` names the whole value. */
export function manifestError(issue: v.BaseIssue<unknown>, where: string, what: string): ManifestError {
  const field = v.getDotPath(issue) ?? '';
  const subject = field ? `"${field}"` : what;
  let words: string;
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    words = /^timeline\.[^.]+$/.test(field) ? `is not an architecture (${ARCHES.map((a) => `"${a}"`).join(' or ')})` : 'is not a known field';
  } else if (issue.kind === 'schema' && issue.received === 'undefined') {
    words = 'is missing';
  } else {
    words = issue.message + (issue.kind === 'schema' ? found(issue.input) : '');
  }
  return new ManifestError(`${where}: ${subject} ${words}`, where, field);
}

/** What a value of the wrong type is, in words, without quoting it. */
function found(value: unknown): string {
  if (value === null) return ' (it is null)';
  if (Array.isArray(value)) return ' (it is a list)';
  switch (typeof value) {
    case 'string': return ' (it is text)';
    case 'number': return ' (it is a number)';
    case 'boolean': return ` (it is ${value})`;
    case 'object': return ' (it is an object)';
    default: return '';
  }
}


/** The field of timeline entry `index` on `arch`: "timeline.2" or "timeline.x64.2". */
export function timelineField(manifest: ExampleManifest, arch: Arch, index: number): string {
  return Array.isArray(manifest.timeline) ? `timeline.${index}` : `timeline.${arch}.${index}`;
}

/** The example's timeline on `arch` (one list for every architecture, or one per architecture), in order. */
export function exampleTimeline(manifest: ExampleManifest, arch: Arch): ExampleTimelineEvent[] {
  const listed = Array.isArray(manifest.timeline) ? manifest.timeline : manifest.timeline?.[arch] ?? [];
  return listed.map((entry) => {
    const action: ExampleAction = entry.rollback !== undefined ? { kind: 'rollback', module: entry.rollback }
      : { kind: 'apply', file: entry.apply!, ...(entry.builtAgainst === undefined ? {} : { builtAgainst: entry.builtAgainst }) };
    return {
      at: entry.at, action, expect: entry.expect ?? 'applied', ...(entry.note === undefined ? {} : { note: entry.note }),
      ...(entry.consistency === undefined ? {} : { consistency: entry.consistency }),
      ...(entry.stallAfter === undefined ? {} : { stallAfter: entry.stallAfter }),
      ...(entry.onStall === undefined ? {} : { onStall: entry.onStall }),
    };
  });
}

/** What a timeline entry does when its patches are made from edited sources (the entries' "edit"). */
export type ExampleEditAction =
  /** Make a patch from the edited module source `file`; `builtAgainst`: it is an edit of this other build. */
  | { kind: 'edit'; file: string; builtAgainst?: string }
  | { kind: 'rollback'; module: string };

/** Why the example's patches on `arch` cannot be made from edited sources (its entries' "noEdit"), if any says so. */
export function exampleEditGaps(manifest: ExampleManifest, arch: Arch): string[] {
  const listed = Array.isArray(manifest.timeline) ? manifest.timeline : manifest.timeline?.[arch] ?? [];
  return listed.flatMap((entry) => entry.noEdit === undefined ? [] : [entry.noEdit]);
}

/**
 * The example's timeline on `arch` with each patch replaced by the same fix as an edited module
 * source (an entry's "edit"); an apply without one is an error naming the entry.
 */
export function exampleEditTimeline(manifest: ExampleManifest, arch: Arch, file: string): TimelineEntry<ExampleEditAction>[] {
  const listed = Array.isArray(manifest.timeline) ? manifest.timeline : manifest.timeline?.[arch] ?? [];
  return exampleTimeline(manifest, arch).map((event, i) => {
    if (event.action.kind === 'rollback') return { ...event, action: event.action };
    const { edit, noEdit } = listed[i]!;
    if (edit === undefined) {
      const field = timelineField(manifest, arch, i);
      throw new ManifestError(noEdit === undefined
        ? `${file}: "${field}" has no "edit" (the same fix as an edited module source)`
        : `${file}: "${field}" has no edit: ${noEdit}`, file, field);
    }
    return { ...event, action: { kind: 'edit', file: edit,
      ...(event.action.builtAgainst === undefined ? {} : { builtAgainst: event.action.builtAgainst }) } };
  });
}

/**
 * Where a file an example names lives, relative to the examples directory. A plain name is in the
 * example's own directory for the architecture ("pricing.s" -> "price-tax/x64/pricing.s"); "other:name"
 * is the file of the same architecture in another example, so examples that start from the same
 * program share one copy of its sources ("price-tax:pricing.s" -> "price-tax/x64/pricing.s").
 * A name outside the grammar (a path, "..") is refused: names never leave the examples directory.
 */
export function exampleFilePath(example: string, arch: Arch, name: string): string {
  const parsed = parseExampleFileName(name);
  if (!parsed) throw new Error(`an example names a file by ${FILE_NAME_WORDS}`);
  return `${parsed.example ?? example}/${arch}/${parsed.file}`;
}

/** The name a file goes by in listings, tabs and patch names: "price-tax:pricing.s" is "pricing.s". */
export function exampleFileName(name: string): string {
  return name.split(/[/:]/).at(-1)!;
}
