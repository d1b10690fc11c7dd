// The template corpus: every form of keystone-templates.ts assembled by Keystone on its own, then
// decoded by the engine and by Capstone. Shared by the test and the benchmark.
import { keystoneAssemble } from '../../toolchain/keystone.ts';
import { templateForms, TEMPLATE_ADDRESS } from './x64-templates.ts';

export interface AssembledForm {
  source: string;
  bytes: Uint8Array;
}

export interface TemplateCorpus {
  assembled: AssembledForm[];
  /** Forms Keystone refused (it lacks some instructions); reported, not tested. */
  refused: { source: string; message: string }[];
}

let cached: Promise<TemplateCorpus> | undefined;

export function templateCorpus(): Promise<TemplateCorpus> {
  cached ??= (async () => {
    const assembled: AssembledForm[] = [];
    const refused: { source: string; message: string }[] = [];
    for (const source of new Set(templateForms())) {
      const result = await keystoneAssemble('x64', source, TEMPLATE_ADDRESS);
      if (result.ok && result.bytes.length > 0) assembled.push({ source, bytes: result.bytes });
      else refused.push({ source, message: result.ok ? 'no bytes' : result.message });
    }
    return { assembled, refused };
  })();
  return cached;
}
