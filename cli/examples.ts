// `hotpatch examples`: the examples that come with the package, which `hotpatch run <name>` runs.
import { parseArgs } from 'node:util';
import { bundledExamplesDir, listExamples } from '../toolchain/examples.ts';
import { UsageError } from './conventions.ts';

export const EXAMPLES_USAGE = `  examples [options]
      List the examples that come with the package: run one with hotpatch run <name>, or copy its
      folder to change it.
      --json                    print one JSON record: the folder and each example's name, folder,
                                title, architectures and whether it has a timeline
`;

export async function examplesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  if (positionals.length > 0) throw new UsageError(`examples takes no arguments\n\n${EXAMPLES_USAGE}`);
  const dir = bundledExamplesDir();
  const examples = await listExamples(dir);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ dir, examples }, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...examples.map((e) => e.name.length));
  for (const e of examples) process.stdout.write(`${e.name.padEnd(width)}  ${e.arches.join(',').padEnd(9)}  ${e.title}\n`);
  process.stderr.write(`-- ${examples.length} examples in ${dir}\n`);
  return 0;
}
