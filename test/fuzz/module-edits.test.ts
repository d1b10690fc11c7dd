// The edit fuzzer's edits keep what makes its oracle sound: the lines an edit inserts stay together
// (an ARM64 adrp and the :lo12: access that completes it are never split by a later edit, nor one of
// them deleted), and a new global holds only values computed from itself, never an address.
import { describe, expect, it } from 'vitest';
import { ARCHES } from '../../core/arch.ts';
import { editSource, generateModule, Random } from '../../harness/fuzz/module-edits.ts';

describe.each(ARCHES)('edits of %s sources', (arch) => {
  it('keep each inserted block whole through later edits', () => {
    const random = new Random(5);
    let blocks = 0;
    for (let module = 0; module < 200; module++) {
      let text = generateModule(random, arch);
      for (let round = 0; round < 8; round++) text = editSource(random, arch, text)?.text ?? text;
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        if (line.endsWith(' // edit')) blocks++;
        if (line.endsWith(' // edit, continued')) expect(/ \/\/ edit(, continued)?$/.test(lines[i - 1]!), `${text}\nline ${i}`).toBe(true);
      });
      // Every :lo12: access of an edit's block follows an adrp of the same symbol in that block.
      lines.forEach((line, i) => {
        const access = /:lo12:(\w+)\].* \/\/ edit, continued$/.exec(line);
        if (!access) return;
        let j = i - 1;
        while (!lines[j]!.includes(`adrp x16, ${access[1]}`)) {
          expect(lines[j], `${text}\nline ${i}`).toMatch(/ \/\/ edit(, continued)?$/);
          expect(lines[j], `${text}\nline ${j}`).not.toMatch(/^\s*\w+\s+x16\b/);
          j--;
        }
      });
    }
    expect(blocks).toBeGreaterThan(100);
  });

  it('store into a new global only what they loaded from it', () => {
    const random = new Random(9);
    let stores = 0;
    for (let n = 0; n < 400; n++) {
      const edit = editSource(random, arch, generateModule(random, arch));
      if (edit?.kinds.length !== 1 || edit.kinds[0] !== 'new-global') continue;
      for (const line of edit.text.split('\n').filter((l) => /added_\d+/.test(l))) {
        if (arch === 'arm64' && /^\s*str /.test(line)) { stores++; expect(line).toMatch(/^\s*str x17, \[x16, :lo12:added_\d+\]/); }
        if (arch === 'x64' && /^\s*(mov|inc) /.test(line)) { stores++; expect(line).toMatch(/^\s*inc qword ptr \[rip \+ added_\d+\]/); }
      }
    }
    expect(stores).toBeGreaterThan(10);
  });
});
