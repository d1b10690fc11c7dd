// `npm run bench`: one line per figure, "name: value unit", with ratios to references measured in
// the same run. Speed is measured here, never asserted in tests.
import { figures } from './figures.ts';

for (const figure of figures) {
  for (const line of await figure()) console.log(line);
}
