import { describe, expect, it } from 'vitest';
import { HOST_INTERFACE_VERSION, loadEngine } from '../../engine/host/engine.ts';

describe('engine.wasm', () => {
  it('loads in Node and speaks the host\'s interface version', async () => {
    const engine = await loadEngine();
    expect(engine.exports.interfaceVersion()).toBe(HOST_INTERFACE_VERSION);
  });
});
