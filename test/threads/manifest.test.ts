// example.json's fields for threads and consistency models: "slice", and an event's "consistency",
// "stallAfter" and "onStall", checked by the one schema with messages naming the field.
import { describe, expect, it } from 'vitest';
import { checkExampleManifest, exampleTimeline } from '../../toolchain/example-manifest.ts';

const base = { title: 't', summary: 's', arches: ['x64'], modules: ['m.s'] };
const event = (extra: object) => ({ ...base, timeline: [{ at: { afterInstructions: 10 }, apply: 'p.s', ...extra }] });

describe('example.json for threads and consistency models', () => {
  it('reads a slice and an event\'s model, budget and stall action', () => {
    const manifest = checkExampleManifest({ ...event({ consistency: 'per-thread', stallAfter: 3000, onStall: 'reverse' }), slice: 200 }, 'x.json');
    expect(manifest.slice).toBe(200);
    expect(exampleTimeline(manifest, 'x64')[0]).toMatchObject({ consistency: 'per-thread', stallAfter: 3000, onStall: 'reverse' });
    expect(exampleTimeline(checkExampleManifest(event({ consistency: 'fixup' }), 'x.json'), 'x64')[0]!.consistency).toBe('fixup');
  });

  it.each([
    [event({ consistency: 'windows' }), '"timeline.0.consistency" must be "entry", "fixup" or "per-thread" (it is text)'],
    [event({ consistency: 'entry', onStall: 'reverse' }), '"timeline.0" has "stallAfter" or "onStall", which go with "consistency": "per-thread" only'],
    [event({ consistency: 'per-thread', onStall: 'later' }), '"timeline.0.onStall" must be "report", "reverse" or "force" (it is text)'],
    [event({ consistency: 'per-thread', stallAfter: 0 }), '"timeline.0.stallAfter" must be 1 or more'],
    [{ ...base, slice: 0 }, '"slice" must be 1 or more'],
    [{ ...base, slice: '5' }, '"slice" must be a whole number (it is text)'],
  ])('refuses %j', (value, message) => {
    expect(() => checkExampleManifest(value, 'x.json')).toThrow(`x.json: ${message}`);
  });
});
