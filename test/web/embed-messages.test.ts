// The iframe embed's postMessage API: which origins it trusts, and which messages are commands.
import { describe, expect, it } from 'vitest';
import { readCommand, trustedOrigins } from '../../web/src/embed/message-bridge.ts';

describe('trusted origins', () => {
  it('trusts its own origin and the origins named in "parent", nothing else', () => {
    const origins = trustedOrigins('https://play.example', 'https://docs.example/guide/page.html, http://localhost:4000');
    expect([...origins]).toEqual(['https://play.example', 'https://docs.example', 'http://localhost:4000']);
  });

  it('ignores wildcards, opaque and non-web origins', () => {
    const origins = trustedOrigins('https://play.example', '*,null,javascript:alert(1),file:///etc/passwd,data:text/html,x');
    expect([...origins]).toEqual(['https://play.example']);
  });

  it('trusts only itself without the parameter', () => {
    expect([...trustedOrigins('http://127.0.0.1:5173', null)]).toEqual(['http://127.0.0.1:5173']);
  });
});

describe('commands', () => {
  it('reads each command with its arguments and id', () => {
    expect(readCommand({ hotpatch: 1, command: 'load', example: 'price-tax', arch: 'arm64', id: 7 }))
      .toEqual({ ok: true, command: { command: 'load', example: 'price-tax', arch: 'arm64' }, id: 7 });
    expect(readCommand({ hotpatch: 1, command: 'step' })).toEqual({ ok: true, command: { command: 'step' } });
    expect(readCommand({ hotpatch: 1, command: 'apply', stepwise: true }))
      .toEqual({ ok: true, command: { command: 'apply', stepwise: true } });
    expect(readCommand({ hotpatch: 1, command: 'rollback' })).toEqual({ ok: true, command: { command: 'rollback', stepwise: false } });
    expect(readCommand({ hotpatch: 1, command: 'theme', theme: 'dark' })).toEqual({ ok: true, command: { command: 'theme', theme: 'dark' } });
  });

  it('says why a message is not a command', () => {
    expect(readCommand('step')).toEqual({ ok: false, reason: 'not an object' });
    expect(readCommand({ command: 'step' })).toEqual({ ok: false, reason: 'not a hotpatch message' });
    expect(readCommand({ hotpatch: 2, command: 'step' })).toEqual({ ok: false, reason: 'not a hotpatch message' });
    expect(readCommand({ hotpatch: 1, command: 'format-disk' })).toEqual({ ok: false, reason: 'unknown command "format-disk"' });
    expect(readCommand({ hotpatch: 1, command: 'load' })).toEqual({ ok: false, reason: 'load needs "example"' });
    expect(readCommand({ hotpatch: 1, command: 'load', example: 'price-tax', arch: 'riscv' }))
      .toEqual({ ok: false, reason: 'unknown architecture "riscv"' });
    expect(readCommand({ hotpatch: 1, command: 'theme', theme: 'pink' })).toEqual({ ok: false, reason: 'theme is "light", "dark" or "auto"' });
  });
});
