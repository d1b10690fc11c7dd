// The folder this package is installed in (or this repository, when run from a clone): found by
// walking up from this file to the package.json that names the package, so that the answer is the
// same from the TypeScript sources and from their compiled copy in lib/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'hotpatch-playground';

let found: { root: string; version: string } | undefined;

function findPackage(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (json.name === PACKAGE_NAME) return { root: dir, version: json.version ?? '0.0.0' };
    }
    dir = dirname(dir);
  }
  throw new Error(`no package.json of ${PACKAGE_NAME} above ${fileURLToPath(import.meta.url)}`);
}

/** The package's root folder. */
export function packageRoot(): string {
  found ??= findPackage();
  return found.root;
}

/** The package's version, from its package.json. */
export function packageVersion(): string {
  found ??= findPackage();
  return found.version;
}
