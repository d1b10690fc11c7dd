// Reading an example's timeline from example.json, and building its patches: against the loaded
// program, or against another build of a module assembled with the view the loaded one had.
import { describe, expect, it } from 'vitest';
import { moduleIdentity } from '../../core/identity.ts';
import { checkExampleManifest, exampleTimeline } from '../../toolchain/example-manifest.ts';
import { buildExamplePatch } from '../../toolchain/example-patch.ts';
import { assembleProgram } from '../../toolchain/program.ts';

const FILE = 'examples/demo/example.json';
const manifest = (timeline: unknown) => checkExampleManifest({ title: 't', summary: 's', arches: ['x64', 'arm64'], modules: ['app.s'], timeline }, FILE);

describe('exampleTimeline', () => {
  it('reads one list for every architecture, with the expected outcome "applied" unless said', () => {
    const read = manifest([
      { at: { afterCalls: 2, of: 'app!f' }, apply: 'fix.s', note: 'why' },
      { at: { afterInstructions: 50 }, apply: 'fix.s', builtAgainst: 'app-1.0.s', expect: 'refused' },
      { at: { afterCalls: 3, of: 'app!f', thenInstructions: 1 }, rollback: 'app' },
    ]);
    const expected = [
      { at: { afterCalls: 2, of: 'app!f' }, action: { kind: 'apply', file: 'fix.s' }, expect: 'applied', note: 'why' },
      { at: { afterInstructions: 50 }, action: { kind: 'apply', file: 'fix.s', builtAgainst: 'app-1.0.s' }, expect: 'refused' },
      { at: { afterCalls: 3, of: 'app!f', thenInstructions: 1 }, action: { kind: 'rollback', module: 'app' }, expect: 'applied' },
    ];
    expect(exampleTimeline(read, 'x64')).toEqual(expected);
    expect(exampleTimeline(read, 'arm64')).toEqual(expected);
  });

  it('reads one list per architecture, and none where there is none', () => {
    const read = manifest({ arm64: [{ at: { afterCalls: 1, of: 'app!f' }, apply: 'fix.s' }] });
    expect(exampleTimeline(read, 'arm64')).toHaveLength(1);
    expect(exampleTimeline(read, 'x64')).toEqual([]);
    expect(exampleTimeline(manifest(undefined), 'x64')).toEqual([]);
  });

  it('names the file and the entry that has no moment, or not exactly one action', () => {
    const ok = { at: { afterCalls: 1, of: 'app!f' }, apply: 'fix.s' };
    expect(() => manifest([ok, { at: ok.at, apply: 'fix.s', rollback: 'app' }]))
      .toThrow(`${FILE}: "timeline.1" needs exactly one of "apply" and "rollback"`);
    expect(() => manifest([ok, ok, { at: ok.at }])).toThrow(`${FILE}: "timeline.2" needs exactly one of "apply" and "rollback"`);
    expect(() => manifest([{ apply: 'fix.s' }])).toThrow(`${FILE}: "timeline.0.at" is missing`);
  });
});

const LIB = `.module lib
.arch x64
.base 0x500000
.export helper
.text
.func helper
    mov eax, 1
    ret
.endfunc
`;
const APP = `.module app
.arch x64
.entry main
.export app_fn
.text
.func main
    call helper
    ret
.endfunc
.func app_fn
    xor eax, eax
    ret
.endfunc
`;
const patchFor = (module: string, fn: string) => `; a fix
.patch ${module}
.sequence 1
.redirect ${fn} -> fixed
.text
.func fixed
    mov eax, 2
    ret
.endfunc
`;

describe('buildExamplePatch', () => {
  const program = () => assembleProgram([{ file: 'lib.s', text: LIB }, { file: 'app.s', text: APP }], 'x64');

  it('builds against the loaded module the patch names', async () => {
    const modules = await program();
    const built = await buildExamplePatch({ name: 'fix.s', text: patchFor('app', 'app_fn') }, 'x64', modules);
    expect(built).toMatchObject({ module: 'app', sequence: 1, baseIdentity: await moduleIdentity(modules[1]!) });
  });

  it('builds another build of the module with the exports of the modules loaded before it', async () => {
    const modules = await program();
    // The same source with the same view is the same build.
    const same = await buildExamplePatch({ name: 'fix.s', text: patchFor('app', 'app_fn'), builtAgainst: { name: 'app.s', text: APP } },
      'x64', modules);
    expect(same.baseIdentity).toBe(await moduleIdentity(modules[1]!));
    const other = APP.replace('xor eax, eax', 'mov eax, 7');
    const built = await buildExamplePatch({ name: 'fix.s', text: patchFor('app', 'app_fn'), builtAgainst: { name: 'app-1.0.s', text: other } },
      'x64', modules);
    expect(built.baseIdentity).not.toBe(await moduleIdentity(modules[1]!));
  });

  it('does not let the other build see modules loaded after the one it replaces', async () => {
    const modules = await program();
    // lib loads first: its loaded build could not call app_fn, so another build of it cannot either.
    const against = { name: 'lib-1.0.s', text: LIB.replace('mov eax, 1', 'call app_fn') };
    await expect(buildExamplePatch({ name: 'fix.s', text: patchFor('lib', 'helper'), builtAgainst: against }, 'x64', modules))
      .rejects.toThrow(/app_fn/);
  });

  it('says when the program has no module of the name the patch gives', async () => {
    const modules = await program();
    await expect(buildExamplePatch({ name: 'fix.s', text: patchFor('billing', 'f'), builtAgainst: { name: 'app.s', text: APP } }, 'x64', modules))
      .rejects.toThrow('the patch is for module "billing", which is not among the program\'s modules');
  });
});
