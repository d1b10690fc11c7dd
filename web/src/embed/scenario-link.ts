// A scenario carried in the iframe embed's address: embed/#scenario=<base64url of deflate-raw(JSON)>.
// The hash never reaches a server, so the iframe holds the whole scenario (its bytes and its
// disassembly) and needs nothing but the embed's own files. Read with bounds: the text of the hash,
// and the data once inflated (a small link could inflate to gigabytes).
const PREFIX = 'scenario=';
/** Characters of encoded data read from a hash. */
export const MAX_LINK_CHARS = 2 << 20;
/** Bytes of JSON once inflated (as scenario-source.ts reads at most). */
const MAX_INFLATED = 4 << 20;

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function through(stream: CompressionStream | DecompressionStream, bytes: Uint8Array, limit = Infinity): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  void writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close()).catch(() => undefined);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`the scenario in the address is more than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) { out.set(chunk, at); at += chunk.length; }
  return out;
}

/** The hash (without "#") that carries `json`. */
export async function scenarioHash(json: string): Promise<string> {
  return PREFIX + toBase64Url(await through(new CompressionStream('deflate-raw'), new TextEncoder().encode(json)));
}

/** The scenario JSON a hash carries; undefined when it carries none; throws when it is damaged. */
export async function scenarioFromHash(hash: string): Promise<string | undefined> {
  const text = hash.replace(/^#/, '');
  if (!text.startsWith(PREFIX)) return undefined;
  const data = text.slice(PREFIX.length);
  if (data.length > MAX_LINK_CHARS) throw new Error(`the scenario in the address is more than ${MAX_LINK_CHARS} characters`);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(data);
  } catch {
    throw new Error('the scenario in the address is damaged (it may have been cut when it was copied)');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(await through(new DecompressionStream('deflate-raw'), bytes, MAX_INFLATED));
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('the scenario')) throw error;
    throw new Error('the scenario in the address is damaged (it may have been cut when it was copied)');
  }
}
