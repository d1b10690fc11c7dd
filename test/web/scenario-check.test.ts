// A scenario a page brings is checked before it is shown: its "playground" field, which becomes the
// hash of the "Open in playground" link, is only ever the state part of a playground link.
import { describe, expect, it } from 'vitest';
import { checkScenario } from '../../web/src/embed/scenario-source.ts';
import { SCENARIO_FORMAT } from '../../web/src/embed/scenario.ts';

const scenario = (extra: Record<string, unknown> = {}) => ({
  format: SCENARIO_FORMAT, id: 'mine/x64/embedded', example: 'mine', arch: 'x64', title: 'Mine', summary: 'Mine.',
  modules: [{ name: 'main', file: 'main.s', base: 0x40_0000, code: 'c3', dataAddress: 0x40_1000, data: '', symbols: [], exports: [] }],
  patches: [], timeline: [], instructions: [], ...extra,
});

describe('a scenario\'s playground link', () => {
  it('is read when it is the state part of a playground link, and may be absent', () => {
    expect(checkScenario(scenario(), 'here').playground).toBeUndefined();
    expect(checkScenario(scenario({ playground: 's=AbC-_09' }), 'here').playground).toBe('s=AbC-_09');
  });

  it.each([
    ['a script address', 'javascript:alert(1)'],
    ['another part of the hash', 's=abc&example=price-tax'],
    ['spaces', 's=ab cd'],
    ['nothing after s=', 's='],
    ['a number', 42],
    ['more than a playground link holds', `s=${'a'.repeat(256 * 1024 + 1)}`],
  ])('refuses %s, naming the field', (_, playground) => {
    expect(() => checkScenario(scenario({ playground }), 'the inline scenario')).toThrow(/^the inline scenario: "playground" is not/);
  });
});
