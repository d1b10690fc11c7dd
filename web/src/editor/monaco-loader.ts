// Loads Monaco on demand, after the page is already usable with plain text areas. Monaco's editor
// worker is bundled by Vite (`?worker`) and handed to Monaco through MonacoEnvironment.
import type * as MonacoApi from 'monaco-editor/editor';

export type Monaco = typeof MonacoApi;

let loading: Promise<Monaco> | undefined;

export function loadMonaco(): Promise<Monaco> {
  loading ??= (async () => {
    const [monaco, { default: EditorWorker }, { registerAssemblyLanguages }] = await Promise.all([
      import('./monaco-bundle.ts'),
      import('monaco-editor/editor/editor.worker?worker'),
      import('./asm-language.ts'),
    ]);
    (self as unknown as { MonacoEnvironment: object }).MonacoEnvironment = {
      getWorker: () => new EditorWorker(),
    };
    registerAssemblyLanguages(monaco);
    return monaco;
  })();
  return loading;
}
