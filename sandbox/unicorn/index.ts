// Public entry point "hotpatch-playground/sandbox/unicorn": the Sandbox backend on real Unicorn 2, a
// native library reached through koffi (Node only). Where the library cannot be loaded, creating a
// sandbox throws UnicornUnavailableError; unicornUnavailable() asks first.
import { libunicorn } from './libunicorn.ts';
import { UnicornUnavailableError } from './locate.ts';

export { UnicornSandbox, unicornVersion } from './unicorn-sandbox.ts';
export { UNICORN_LIBRARY_ENV, unicornCandidates, UnicornUnavailableError, type UnicornCandidates } from './locate.ts';

/** Why Unicorn cannot be used here (loading its library on the first call), or undefined when it can. */
export function unicornUnavailable(): UnicornUnavailableError | undefined {
  try {
    libunicorn();
    return undefined;
  } catch (error) {
    if (error instanceof UnicornUnavailableError) return error;
    throw error;
  }
}
