// The page's state in the URL hash, so that a link reproduces what its sender saw.
//   #s=<base64url of deflate-raw(JSON)>   the whole state (CompressionStream, no library)
//   #example=price-tax&arch=arm64          a short link to an unedited example
import * as v from 'valibot';
import { ARCHES, type Arch } from '../../../core/arch.ts';
import { EXAMPLE_ID, EXAMPLE_LIMITS, notAList, PLAIN_FILE_NAME } from '../../../toolchain/example-manifest.ts';
import { DEFAULT_VIEW, type LabState, type Pane, type PatchFile, type SourceFile, type ViewState } from './lab-state.ts';
import { count } from '../../../core/count.ts';

/** Bumped when the encoded shape changes; older links are still read. */
const FORMAT = 1;

interface Encoded {
  v: number;
  a: Arch;
  e?: string;
  f: [string, string][];
  /** Name and text, and for a patch built against another build, that build's name and text. */
  p: ([string, string] | [string, string, string, string])[];
  w: [number, Pane, 0 | 1];
}

export async function encodeState(state: LabState): Promise<string> {
  const encoded: Encoded = {
    v: FORMAT,
    a: state.arch,
    ...(state.example ? { e: state.example } : {}),
    f: state.files.map((f) => [f.name, f.text]),
    p: state.patches.map((f) => f.builtAgainst ? [f.name, f.text, f.builtAgainst.name, f.builtAgainst.text] : [f.name, f.text]),
    w: [state.view.editor, state.view.pane, state.view.gallery ? 1 : 0],
  };
  const json = new TextEncoder().encode(JSON.stringify(encoded));
  return `s=${toBase64Url(await deflate(json))}`;
}

export type DecodedHash =
  | { kind: 'state'; state: LabState }
  | { kind: 'example'; example: string; arch?: Arch; view: ViewState }
  | { kind: 'none' }
  | { kind: 'invalid'; reason: string };

/**
 * What a link may hold. Links come from anywhere, so they are read with bounds: the text of the
 * hash, the data once decompressed (a small link can inflate to gigabytes), and each field as the
 * examples' own (toolchain/example-manifest.ts).
 */
export const LINK_LIMITS = {
  /** Characters of the encoded state (the s= part of the hash). */
  encodedCharacters: 256 * 1024,
  /** Bytes of the state once decompressed: 1 MiB. */
  inflatedBytes: 1024 * 1024,
  files: EXAMPLE_LIMITS.modules,
  patches: EXAMPLE_LIMITS.modules,
  /** Characters of one source. */
  sourceCharacters: EXAMPLE_LIMITS.sourceBytes,
} as const;

/** Why a link cannot be read, in words for the reader (never the browser's own error). */
export const LINK_PROBLEMS = {
  tooLong: `the link is too long: it holds more than ${count(LINK_LIMITS.encodedCharacters)} characters of data`,
  notBase64: 'the link is damaged: its data has characters a playground link never has (it may have been changed when it was copied)',
  notDeflate: 'the link is damaged: its data does not decompress (it may have been cut short when it was copied)',
  tooLarge: 'the link holds more than 1 MiB of sources and settings; the playground reads links of at most 1 MiB',
  notData: 'the link is damaged: its data is not the playground\'s',
  newer: 'the link was made by a newer version of the playground',
  badExample: 'the link names an example with a name no example can have',
} as const;

class LinkProblem extends Error {}

export async function decodeHash(hash: string): Promise<DecodedHash> {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const s = params.get('s');
  if (s !== null) {
    try {
      return { kind: 'state', state: readEncoded(await readData(s)) };
    } catch (error) {
      // Anything else would be a fault of this code; say so rather than show a browser's words.
      return { kind: 'invalid', reason: error instanceof LinkProblem ? error.message : LINK_PROBLEMS.notData };
    }
  }
  const example = params.get('example');
  if (example) {
    if (example.length > EXAMPLE_LIMITS.nameLength || !EXAMPLE_ID.test(example)) return { kind: 'invalid', reason: LINK_PROBLEMS.badExample };
    const arch = params.get('arch');
    const pane = params.get('pane');
    return {
      kind: 'example',
      example,
      ...(arch && (ARCHES as readonly string[]).includes(arch) ? { arch: arch as Arch } : {}),
      view: { ...DEFAULT_VIEW, ...(pane === 'patch' || pane === 'program' ? { pane } : {}) },
    };
  }
  return { kind: 'none' };
}

/** The JSON value a link's s= part holds, within the limits. */
async function readData(encoded: string): Promise<unknown> {
  if (encoded.length > LINK_LIMITS.encodedCharacters) throw new LinkProblem(LINK_PROBLEMS.tooLong);
  const bytes = fromBase64Url(encoded);
  const inflated = await inflate(bytes, LINK_LIMITS.inflatedBytes);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(inflated));
  } catch {
    throw new LinkProblem(LINK_PROBLEMS.notData);
  }
}

const SOURCE_TEXT = v.pipe(v.string('must be text'),
  v.maxLength(LINK_LIMITS.sourceCharacters, `must be at most ${count(LINK_LIMITS.sourceCharacters)} characters long`));
const SOURCE = v.strictTuple([PLAIN_FILE_NAME, SOURCE_TEXT], 'must be a name and a text');
const PATCH_BUILT_AGAINST = v.strictTuple([PLAIN_FILE_NAME, SOURCE_TEXT, PLAIN_FILE_NAME, SOURCE_TEXT],
  'must be a name and a text, and those of the build it is built against');
const STATE_WORDS = 'must be the playground\'s state';
const ENCODED = notAList(v.strictObject({
  v: v.pipe(v.number('must be a number'), v.integer('must be a whole number'), v.minValue(1, 'must be 1 or more')),
  a: v.picklist(ARCHES, `must be ${ARCHES.map((a) => `"${a}"`).join(' or ')}`),
  e: v.optional(v.pipe(v.string('must be text'), v.maxLength(EXAMPLE_LIMITS.nameLength, 'is too long'),
    v.regex(EXAMPLE_ID, 'must be an example\'s name'))),
  f: v.pipe(v.array(SOURCE, 'must be a list'), v.minLength(1, 'must not be empty'),
    v.maxLength(LINK_LIMITS.files, `must not be longer than ${LINK_LIMITS.files}`)),
  p: v.pipe(v.array(v.lazy((value) => Array.isArray(value) && value.length > 2 ? PATCH_BUILT_AGAINST : SOURCE), 'must be a list'),
    v.minLength(1, 'must not be empty'), v.maxLength(LINK_LIMITS.patches, `must not be longer than ${LINK_LIMITS.patches}`)),
  w: v.optional(v.strictTuple([
    v.pipe(v.number('must be a number'), v.integer('must be a whole number')),
    v.picklist(['program', 'patch'], 'must be "program" or "patch"'),
    v.picklist([0, 1], 'must be 0 or 1'),
  ], 'must be the editor, the pane and the gallery')),
}, STATE_WORDS), STATE_WORDS);

/** What a field of the encoded state is, for people: "the name of source 2". */
function linkField(path: readonly (string | number)[]): string {
  const [top, index, part] = path;
  const nth = typeof index === 'number' ? ` ${index + 1}` : '';
  const parts = ['name', 'text', 'name of the build it is built against', 'text of the build it is built against'];
  switch (top) {
    case 'v': return 'its version';
    case 'a': return 'its architecture';
    case 'e': return 'the example it names';
    case 'f': return typeof part === 'number' ? `the ${parts[part]} of source${nth}` : index === undefined ? 'its list of sources' : `source${nth}`;
    case 'p': return typeof part === 'number' ? `the ${parts[part]} of patch${nth}` : index === undefined ? 'its list of patches' : `patch${nth}`;
    case 'w': return 'its view';
    default: return typeof top === 'string' ? 'a field the playground does not know' : 'its data';
  }
}

function readEncoded(value: unknown): LabState {
  const version = (value as { v?: unknown } | null)?.v;
  if (typeof version === 'number' && version > FORMAT) throw new LinkProblem(LINK_PROBLEMS.newer);
  const result = v.safeParse(ENCODED, value, { abortEarly: true });
  if (!result.success) {
    const issue = result.issues[0];
    const path = issue.path?.map((item) => item.key as string | number) ?? [];
    const unknown = issue.type === 'strict_object' && issue.expected === 'never';
    const words = unknown ? 'is there' : issue.kind === 'schema' && issue.received === 'undefined' ? 'is missing' : issue.message;
    throw new LinkProblem(`the link's data is not valid: ${linkField(path)} ${words}`);
  }
  const e = result.output;
  const file = ([name, text]: readonly [string, string]): SourceFile => ({ name, text });
  const files = e.f.map(file);
  const patches = e.p.map((entry): PatchFile => entry.length === 4
    ? { ...file([entry[0], entry[1]]), builtAgainst: file([entry[2], entry[3]]) } : file(entry));
  const [editor, pane, gallery] = e.w ?? [0, 'program', 0];
  return {
    arch: e.a,
    ...(e.e === undefined ? {} : { example: e.e }),
    files,
    patches,
    view: {
      editor: editor >= -patches.length && editor < files.length ? editor : 0,
      pane,
      gallery: gallery === 1,
    },
  };
}

/** Input fed to the decompressor at a time: deflate expands a byte to at most about 1,032, so the
 * output can pass the bound by about 1 MiB before it is seen. */
const INFLATE_PIECE = 1024;

/**
 * Inflates at most `maxBytes`: input goes in small pieces and the output is counted as it comes, so
 * a link that inflates to gigabytes stops at the bound instead of filling memory first.
 */
async function inflate(bytes: Uint8Array<ArrayBuffer>, maxBytes: number): Promise<Uint8Array> {
  const stream = new DecompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let tooLarge = false;
  const reading = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
      if (total > maxBytes) {
        tooLarge = true;
        await reader.cancel();
        return;
      }
      chunks.push(value);
    }
  })();
  const writing = (async () => {
    for (let i = 0; i < bytes.length && !tooLarge; i += INFLATE_PIECE) await writer.write(bytes.slice(i, i + INFLATE_PIECE));
    if (!tooLarge) await writer.close();
  })();
  const [read, written] = await Promise.allSettled([reading, writing]);
  if (tooLarge) throw new LinkProblem(LINK_PROBLEMS.tooLarge);
  if (read.status === 'rejected' || written.status === 'rejected') throw new LinkProblem(LINK_PROBLEMS.notDeflate);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) { out.set(chunk, at); at += chunk.byteLength; }
  return out;
}

async function deflate(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new CompressionStream('deflate-raw');
  const writer = stream.writable.getWriter();
  const written = Promise.all([writer.write(bytes), writer.close()]);
  const [deflated] = await Promise.all([new Response(stream.readable).arrayBuffer(), written]);
  return new Uint8Array(deflated);
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new LinkProblem(LINK_PROBLEMS.notBase64);
  // No base64 text has a length of 4n + 1: a character is missing, most likely from the end.
  if (text.length % 4 === 1) throw new LinkProblem(LINK_PROBLEMS.notDeflate);
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

