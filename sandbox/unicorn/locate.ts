// Where Unicorn 2's shared library is looked for on each platform, and what to say when it is not
// found. No koffi here: the command line reads the advice without loading anything native.

/** Names the loader tries first (the system's search path), then the places package managers use. */
export const UNICORN_LIBRARY_ENV = 'HOTPATCH_UNICORN_LIB';

export interface UnicornCandidates {
  /** Library names or paths, tried in order. */
  candidates: string[];
  /** The name people know the library by on this platform, for messages. */
  name: string;
  /** One short sentence saying how to install it. */
  install: string;
}

/**
 * The libraries to try on `platform`. `HOTPATCH_UNICORN_LIB` (a file name or path) replaces the
 * list: it points the loader at a build of Unicorn of one's own, and pointing it at a file that does
 * not exist is the way to see what happens on a machine without Unicorn.
 */
export function unicornCandidates(platform: string = process.platform,
  env: Record<string, string | undefined> = process.env): UnicornCandidates {
  const chosen = env[UNICORN_LIBRARY_ENV];
  const known = platformCandidates(platform);
  if (chosen) return { ...known, candidates: [chosen], name: chosen };
  return known;
}

function platformCandidates(platform: string): UnicornCandidates {
  switch (platform) {
    case 'darwin':
      return {
        name: 'libunicorn.2.dylib',
        candidates: ['libunicorn.2.dylib', '/opt/homebrew/lib/libunicorn.2.dylib', '/usr/local/lib/libunicorn.2.dylib',
          '/opt/local/lib/libunicorn.2.dylib'],
        install: 'install it with Homebrew (brew install unicorn) or MacPorts (port install unicorn)',
      };
    case 'win32':
      return {
        name: 'unicorn.dll',
        candidates: ['unicorn.dll', 'libunicorn.dll'],
        install: 'put unicorn.dll from a Unicorn 2 release on the PATH (MSYS2: pacman -S mingw-w64-x86_64-unicorn)',
      };
    case 'freebsd':
      return {
        name: 'libunicorn.so.2',
        candidates: ['libunicorn.so.2', '/usr/local/lib/libunicorn.so.2'],
        install: 'install it with pkg install unicorn',
      };
    default:
      return {
        name: 'libunicorn.so.2',
        candidates: ['libunicorn.so.2', '/usr/local/lib/libunicorn.so.2', '/home/linuxbrew/.linuxbrew/lib/libunicorn.so.2'],
        install: 'install it with apt install libunicorn2 (Debian, Ubuntu) or brew install unicorn',
      };
  }
}

/** Unicorn's shared library could not be loaded: none of the candidates was found or would load. */
export class UnicornUnavailableError extends Error {
  constructor(readonly library: string, readonly install: string, readonly tried: readonly string[], options?: ErrorOptions) {
    super(`${library} (Unicorn 2) could not be loaded: ${install}`, options);
    this.name = 'UnicornUnavailableError';
  }
}
