// `npm run bench`: one line per figure, "name: value unit", with ratios to references measured in
// the same run. Speed is measured here, never asserted in tests.
import { progress } from '../harness/progress.ts';
import { figures } from './figures.ts';

const shown = progress({ label: 'bench', total: figures.length, unit: 'figures' });
for (const figure of figures) {
  const lines = await figure();
  shown.done();
  for (const line of lines) console.log(line);
  shown.tick();
}
shown.done();
