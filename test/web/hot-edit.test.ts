// Hot-applying an edit of the running program's source, as the page's worker does it (LabCore and
// hot-edit.ts on Unicorn): the diff with every symbol's class and reason, the generated patch's
// relocations with what each resolves to, the transaction; a second edit replacing the first,
// rollback, rude edits refused with their line; and every example's edited source giving exactly
// the output its hand-written patch gives.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Arch, ARCHES } from '../../core/arch.ts';
import { runToMoment } from '../../engine/host/timeline.ts';
import { UnicornSandbox } from '../../sandbox/unicorn/unicorn-sandbox.ts';
import { exampleEditGaps, exampleEditTimeline, exampleFileName, exampleTimeline } from '../../toolchain/example-manifest.ts';
import { readExampleFile, readExampleManifest } from '../../toolchain/example.ts';
import { engineParts } from '../../web/src/lab/engine-parts.ts';
import { hotApplyEdit } from '../../web/src/lab/hot-edit.ts';
import { LabCore } from '../../web/src/lab/lab-core.ts';
import type { ProgramSpec } from '../../web/src/lab/protocol.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url).pathname;
const unicorn = { create: (arch: Arch) => new UnicornSandbox(arch), backend: 'unicorn' };
const BUDGET = 10_000_000;

async function read(example: string, arch: Arch, name: string): Promise<string> {
  return (await readExampleFile(`${EXAMPLES}${example}`, arch, name, 'test')).text;
}

async function loaded(arch: Arch, files: ProgramSpec['files']): Promise<LabCore> {
  const core = new LabCore(unicorn, engineParts);
  const report = await core.load({ arch, files }, BUDGET);
  expect(report.ok, JSON.stringify(report.diagnostics)).toBe(true);
  return core;
}

function runToEnd(core: LabCore): string {
  while (core.runSlice(1_000_000) === 'running') { /* on */ }
  return core.guest!.io.text();
}

/** Replaces `from` (which must occur once) with `to`. */
function edited(text: string, from: string, to: string): string {
  expect(text.split(from).length, from).toBe(2);
  return text.replace(from, to);
}

const FIX: Record<Arch, [string, string]> = { x64: ['    add eax, 100 ', '    add eax, 50  '], arm64: ['    add w0, w0, #100', '    add w0, w0, #50 '] };
/** A second edit: the fix, and a call of a new helper that reads the running program's prices (a relocation to the base). */
const SECOND: Record<Arch, [string, string]> = {
  x64: ['    div ecx\n    ret\n.endfunc\n', '    div ecx\n    call plus_one\n    ret\n.endfunc\n\n.func plus_one\n' +
    '    lea rdx, [rip + prices]\n    add eax, dword ptr [rdx + 12]\n    ret\n.endfunc\n'],
  arm64: ['    udiv w0, w0, w1\n    ret\n.endfunc\n', '    udiv w0, w0, w1\n    b plus_one\n.endfunc\n\n.func plus_one\n' +
    '    adrp x2, prices\n    add x2, x2, :lo12:prices\n    ldr w3, [x2, #12]\n    add w0, w0, w3\n    ret\n.endfunc\n'],
};

describe.each(ARCHES)('hot-applying an edit on %s', (arch) => {
  const base = () => read('price-tax', arch, 'pricing.s');

  it('classifies every symbol, applies the generated patch while the program runs, and the output changes from the next call', async () => {
    const text = await base();
    const core = await loaded(arch, [{ name: 'pricing.s', text }]);
    expect(runToMoment(core.guest!, { afterCalls: 2, of: 'pricing!price_with_tax' })).toBe('reached');
    const view = await hotApplyEdit(core, { name: 'pricing.s', text: edited(text, ...FIX[arch]) }, false);
    expect(view.outcome).toBe('applied');
    expect(Object.fromEntries(view.symbols.map((s) => [s.name, s.class]))).toEqual({
      main: 'unchanged', format_cents: 'unchanged', price_with_tax: 'changed', prices: 'unchanged', line: 'unchanged' });
    expect(view.symbols.find((s) => s.name === 'price_with_tax')!.reason).toMatch(/^redirected to its new body \(replace mode\)/);
    expect(view.patch).toMatchObject({ sequence: 1, functions: ['price_with_tax'] });
    expect(view.transaction).toMatchObject({ status: 'applied', module: 'pricing', sequence: 1, subject: 'pricing.s (edit)' });
    const lines = runToEnd(core).trimEnd().split('\n');
    // Two prices before the edit, with the rounding bug; the rest rounded right.
    expect(lines.slice(0, 3)).toEqual(['10.00 -> 12.01', '19.99 -> 23.99', '2.50 -> 3.00']);
    expect(core.outputMarks.map((m) => m.label)).toEqual(['pricing.s (edit) applied (pricing sequence 1)']);
  });

  it('lists the relocations of a second edit with the symbols they resolve to; it replaces the first, and rolls back to it', async () => {
    const text = await base();
    const core = await loaded(arch, [{ name: 'pricing.s', text }]);
    expect(runToMoment(core.guest!, { afterCalls: 1, of: 'pricing!price_with_tax' })).toBe('reached');
    const first = await hotApplyEdit(core, { name: 'pricing.s', text: edited(text, ...FIX[arch]) }, false);
    expect(first.outcome).toBe('applied');
    expect(runToMoment(core.guest!, { afterCalls: 2, of: 'pricing!price_with_tax' })).toBe('reached');
    const second = await hotApplyEdit(core, { name: 'pricing.s', text: edited(edited(text, ...FIX[arch]), ...SECOND[arch]) }, false);
    expect(second.outcome).toBe('applied');
    const by = Object.fromEntries(second.symbols.map((s) => [s.name, s]));
    expect(by.plus_one).toMatchObject({ class: 'new', reason: expect.stringMatching(/^carried in the patch/) });
    expect(by.prices).toMatchObject({ class: 'base', reason: 'unchanged; plus_one uses the running program\'s live copy, through a relocation' });
    // Cumulative against the loaded build, with the next sequence number: it replaces patch 1.
    expect(second.patch!.sequence).toBe(2);
    expect(second.transaction).toMatchObject({ status: 'applied', sequence: 2, previous: 1 });
    const prices = core.loadedModules[0]!.symbols.find((s) => s.name === 'prices')!.address;
    const toPrices = second.patch!.relocations.filter((r) => r.symbol === 'pricing!prices');
    expect(toPrices.length).toBe(arch === 'x64' ? 1 : 2);
    const code = second.transaction!.steps.find((s) => s.stage === 'map-code')!.address;
    for (const r of toPrices) {
      expect(r).toMatchObject({ target: 'base', symbolAddress: prices, section: 'code' });
      expect(r.fieldAddress).toBe(code + r.offset);
    }
    expect(toPrices.map((r) => r.kind)).toEqual(arch === 'x64' ? ['R_X86_64_PC32'] : ['R_AARCH64_ADR_PREL_PG_HI21', 'R_AARCH64_ADD_ABS_LO12_NC']);
    // One call with the second edit (prices[3] is 5 cents more), then back to the first.
    expect(runToMoment(core.guest!, { afterCalls: 3, of: 'pricing!price_with_tax' })).toBe('reached');
    const rollback = await core.rollbackPatch('pricing', false);
    expect(rollback).toMatchObject({ status: 'applied', sequence: 1, previous: 2 });
    const lines = runToEnd(core).trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual(['10.00 -> 12.01', '19.99 -> 23.99', '2.50 -> 3.05', '0.05 -> 0.06']);
  });

  it('resolves a call of another module\'s export through a relocation to that export', async () => {
    const files = [{ name: 'stats.s', text: await read('import-module', arch, 'stats.s') }, { name: 'report.s', text: await read('import-module', arch, 'report.s') }];
    const core = await loaded(arch, files);
    const view = await hotApplyEdit(core, { name: 'report.s', text: await read('import-module', arch, 'report-rounded.s') }, false);
    expect(view.outcome).toBe('applied');
    expect(view.symbols.find((s) => s.name === 'stats!divide_rounded')).toMatchObject({ class: 'import',
      reason: 'export of another module; average uses it, through a relocation' });
    const address = core.loadedModules[0]!.symbols.find((s) => s.name === 'divide_rounded')!.address;
    expect(view.patch!.relocations).toEqual([expect.objectContaining({ target: 'export', symbol: 'stats!divide_rounded', symbolAddress: address })]);
  });

  it('refuses a rude edit with its sentence and the line that makes it rude, and writes nothing', async () => {
    const text = await base();
    const core = await loaded(arch, [{ name: 'pricing.s', text }]);
    expect(runToMoment(core.guest!, { afterCalls: 1, of: 'pricing!price_with_tax' })).toBe('reached');
    const rude = edited(edited(text, '1000, 1999', '1000, 2999'), ...FIX[arch]);
    const view = await hotApplyEdit(core, { name: 'pricing.s', text: rude }, false);
    expect(view.outcome).toBe('rude');
    expect(view.transaction).toBeUndefined();
    expect(view.message).toMatch(/^The running program cannot take this edit\. prices: the initial value of "prices" changed; /);
    const prices = view.symbols.find((s) => s.name === 'prices')!;
    expect(prices).toMatchObject({ class: 'rude', line: rude.split('\n').findIndex((l) => l.includes('1000, 2999')) + 1 });
    expect(core.patchLab!.activePatches()).toEqual([]);
  });

  it('says an edit that makes the running build changes nothing, and an edit that does not assemble where', async () => {
    const text = await base();
    const core = await loaded(arch, [{ name: 'pricing.s', text }]);
    const same = await hotApplyEdit(core, { name: 'pricing.s', text: `${text}\n${arch === 'x64' ? ';' : '//'} a comment\n` }, false);
    expect(same).toMatchObject({ outcome: 'unchanged', message: expect.stringMatching(/nothing to hot-apply$/) });
    const typo: [string, string] = arch === 'x64' ? ['    add eax, 100 ', '    frobnicate eax '] : ['    add w0, w0, #100', '    frobnicate w0'];
    const broken = edited(text, ...typo);
    const error = await hotApplyEdit(core, { name: 'pricing.s', text: broken }, false);
    expect(error.outcome).toBe('error');
    expect(error.line).toBe(broken.split('\n').findIndex((l) => l.includes('frobnicate')) + 1);
  });
});

/**
 * Each example's timeline run in the lab twice: once with its hand-written patches (the Apply
 * button), once hot-applying its edited module sources (the edit pasted into the module's editor).
 * Edits of another build than the running one ("builtAgainst") are no edit of the running program,
 * and examples whose patches no edit makes ("noEdit") have none.
 */
describe.each(ARCHES)('every %s example hot-applied as an edit', (arch) => {
  it('prints exactly what its hand-written patches print', async () => {
    let checked = 0;
    for (const id of readdirSync(EXAMPLES)) {
      const dir = `${EXAMPLES}${id}`;
      const manifest = await readExampleManifest(dir);
      if (!manifest.arches.includes(arch)) continue;
      const written = exampleTimeline(manifest, arch);
      // Examples whose patches no edit makes say why ("noEdit"); the example-edits test checks that they do.
      if (!written.some((e) => e.action.kind === 'apply') || written.some((e) => e.action.kind === 'apply' && e.action.builtAgainst)
        || exampleEditGaps(manifest, arch).length > 0) continue;
      const edits = exampleEditTimeline(manifest, arch, `${dir}/example.json`);
      const files = await Promise.all(manifest.modules.map(async (name) => ({ name: exampleFileName(name), text: await read(id, arch, name) })));
      const run = async (byEdit: boolean) => {
        const core = await loaded(arch, files);
        const outcomes: string[] = [];
        for (const [i, event] of written.entries()) {
          expect(runToMoment(core.guest!, event.at), `${id} moment ${i}`).toBe('reached');
          const action = event.action;
          const edit = edits[i]!.action;
          if (action.kind === 'rollback') {
            outcomes.push((await core.rollbackPatch(action.module, false)).status);
          } else if (!byEdit) {
            outcomes.push((await core.applyPatch({ name: exampleFileName(action.file), text: await read(id, arch, action.file) }, false)).status);
          } else if (edit.kind === 'edit') {
            const text = await read(id, arch, edit.file);
            // The edit goes into the editor of the module it is a source of.
            const module = /^\s*\.module\s+(\S+)/m.exec(text)![1];
            const file = files[core.loadedModules.findIndex((m) => m.name === module)]!;
            const view = await hotApplyEdit(core, { name: file.name, text }, false);
            expect(view.outcome, `${id}: ${view.message}`).toBe('applied');
            outcomes.push(view.transaction!.status);
          }
        }
        return { output: runToEnd(core), state: core.state, exit: core.guest!.io.exitCode, outcomes };
      };
      const [byHand, byEdit] = [await run(false), await run(true)];
      expect(byEdit, id).toEqual(byHand);
      expect(byHand.outcomes.every((o) => o === 'applied'), id).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(arch === 'arm64' ? 6 : 5);
  });
});
