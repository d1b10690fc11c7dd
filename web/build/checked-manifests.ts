// Vite plugin: every examples/<id>/example.json the page bundles is checked here, when it is built
// (and when the dev server or a test serves it), rather than in the page each time it starts: a
// schema's first run there cost a first visit some 10 ms. A file that fails stops the build with
// the file and field named. The page (web/src/examples/catalog.ts) receives the checked manifest.
import { relative } from 'node:path';
import type { Plugin } from 'vite';
import { checkExampleManifest } from '../../toolchain/example-manifest.ts';

const MANIFEST = /[\\/]examples[\\/][^\\/]+[\\/]example\.json$/;

export function checkedManifests(root = process.cwd()): Plugin {
  return {
    name: 'checked-example-manifests',
    // Before Vite's JSON plugin, which turns the (checked) JSON into a module.
    enforce: 'pre',
    transform(code, id) {
      const path = id.split('?')[0]!;
      if (!MANIFEST.test(path)) return null;
      const where = relative(root, path).split('\\').join('/');
      let json: unknown;
      try {
        json = JSON.parse(code);
      } catch (error) {
        throw new Error(`${where}: not JSON: ${error instanceof Error ? error.message : String(error)}`);
      }
      return { code: JSON.stringify(checkExampleManifest(json, where)), map: null };
    },
  };
}
