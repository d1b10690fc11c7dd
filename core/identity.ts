// A module's identity: the SHA-256 digest (WebCrypto, in Node and in the browser) of the image it
// was loaded from. A patch names the identity of the build it was made for; the engine refuses it
// for any other build.
import { bytesToHex } from './hex.ts';
import { type GuestModule, moduleImage } from './module.ts';

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return bytesToHex(new Uint8Array(digest));
}

export function moduleIdentity(module: GuestModule): Promise<string> {
  return sha256Hex(moduleImage(module));
}
