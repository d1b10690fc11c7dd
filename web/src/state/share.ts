// The page's state in the URL hash, so that a link reproduces what its sender saw.
//   #s=<base64url of deflate-raw(JSON)>   the whole state (CompressionStream, no library)
//   #example=price-tax&arch=arm64          a short link to an unedited example
import { ARCHES, type Arch } from '../../../core/arch.ts';
import { DEFAULT_VIEW, type LabState, type Pane, type PatchFile, type SourceFile, type ViewState } from './lab-state.ts';

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

export async function decodeHash(hash: string): Promise<DecodedHash> {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const s = params.get('s');
  if (s !== null) {
    try {
      const json = new TextDecoder().decode(await inflate(fromBase64Url(s)));
      return { kind: 'state', state: readEncoded(JSON.parse(json)) };
    } catch (error) {
      return { kind: 'invalid', reason: error instanceof Error ? error.message : String(error) };
    }
  }
  const example = params.get('example');
  if (example) {
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

function readEncoded(value: unknown): LabState {
  const e = value as Encoded;
  if (typeof e !== 'object' || e === null || typeof e.v !== 'number' || e.v > FORMAT) {
    throw new Error('the link was made by a newer version of the playground');
  }
  if (!(ARCHES as readonly string[]).includes(e.a)) throw new Error(`unknown architecture "${String(e.a)}"`);
  const file = (pair: unknown): SourceFile => {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw new Error('the link\'s sources are damaged');
    }
    return { name: pair[0], text: pair[1] };
  };
  if (!Array.isArray(e.f) || e.f.length === 0) throw new Error('the link has no sources');
  const files = e.f.map(file);
  if (!Array.isArray(e.p) || e.p.length === 0) throw new Error('the link has no patch sources');
  const patches = e.p.map((entry): PatchFile => {
    const patch = file(entry);
    const against = (entry as unknown[]).length === 4 ? file((entry as unknown[]).slice(2)) : undefined;
    return against ? { ...patch, builtAgainst: against } : patch;
  });
  const [editor, pane, gallery] = Array.isArray(e.w) ? e.w : [];
  return {
    arch: e.a,
    ...(typeof e.e === 'string' ? { example: e.e } : {}),
    files,
    patches,
    view: {
      editor: typeof editor === 'number' && editor >= -patches.length && editor < files.length ? editor : 0,
      pane: pane === 'patch' ? 'patch' : 'program',
      gallery: gallery === 1,
    },
  };
}

async function deflate(bytes: Uint8Array): Promise<Uint8Array> {
  return pipe(bytes, new CompressionStream('deflate-raw'));
}

async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  return pipe(bytes, new DecompressionStream('deflate-raw'));
}

async function pipe(bytes: Uint8Array, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
