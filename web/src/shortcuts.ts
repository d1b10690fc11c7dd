// Keyboard shortcuts: one table, used by the page, by the editor (which would otherwise take the
// keys for itself), by the labels on the buttons and by the list of shortcuts. Every debugger action
// has an F-key (as debuggers have) and a Ctrl/Cmd or Alt combination, for keyboards whose F-keys are
// media keys and browsers that keep some F-keys (F11 is full screen in most); hot-applying an edit
// is Ctrl/Cmd+S, as saving is in an editor.
import type { EditorCommand } from './editor/source-editor.ts';
import type { Monaco } from './editor/monaco-loader.ts';
import { byId, fill, h } from './dom.ts';
import { ROW_KEYS } from './views/disassembly-keys.ts';

export type Action = 'run' | 'step' | 'step-over' | 'reset' | 'apply' | 'patch-next' | 'patch-back' | 'hot-apply';

/** A key with its modifiers; `mod` is Ctrl, or Cmd on a Mac. */
interface Keys {
  /** KeyboardEvent.code: the key's place on the keyboard, whatever the layout prints on it. */
  code: 'F6' | 'F7' | 'F8' | 'F10' | 'F11' | 'Enter' | 'Quote' | 'Semicolon' | 'BracketLeft' | 'BracketRight' | 'KeyS';
  shift?: boolean;
  mod?: boolean;
  alt?: boolean;
}

interface Shortcut {
  action: Action;
  /** What it does, for the list of shortcuts. */
  description: string;
  keys: Keys[];
  /** The button that does the same. */
  button: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'run', description: 'Run, pause, continue', keys: [{ code: 'F8' }, { code: 'Enter', mod: true }], button: 'run' },
  { action: 'step', description: 'Step one instruction', keys: [{ code: 'F11' }, { code: 'Quote', mod: true }], button: 'step' },
  { action: 'step-over', description: 'Step over a call', keys: [{ code: 'F10' }, { code: 'Semicolon', mod: true }], button: 'step-over' },
  { action: 'reset', description: 'Reset: load the sources, back to the entry', keys: [{ code: 'F8', shift: true }, { code: 'Enter', mod: true, shift: true }], button: 'reset' },
  { action: 'apply', description: 'Apply the chosen patch', keys: [{ code: 'F6' }, { code: 'Enter', alt: true }], button: 'apply' },
  { action: 'patch-next', description: 'Next step of a transaction', keys: [{ code: 'F7' }, { code: 'BracketRight', alt: true }], button: 'patch-forward' },
  { action: 'patch-back', description: 'Step a transaction back', keys: [{ code: 'F7', shift: true }, { code: 'BracketLeft', alt: true }], button: 'patch-back' },
  // As an editor saves: the edit goes into the running program.
  { action: 'hot-apply', description: 'Hot-apply my edit: patch the running program with the edited source', keys: [{ code: 'KeyS', mod: true }], button: 'hot-apply' },
];

const isMac = () => /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

const KEY_LABEL: Record<Keys['code'], string> = {
  F6: 'F6', F7: 'F7', F8: 'F8', F10: 'F10', F11: 'F11', Enter: 'Enter', Quote: "'", Semicolon: ';', BracketLeft: '[', BracketRight: ']',
  KeyS: 'S',
};

/** "Ctrl+Shift+Enter" (or "Cmd+Shift+Enter" on a Mac). */
export function keysLabel(keys: Keys): string {
  return [keys.mod ? (isMac() ? 'Cmd' : 'Ctrl') : '', keys.alt ? (isMac() ? 'Option' : 'Alt') : '', keys.shift ? 'Shift' : '',
    KEY_LABEL[keys.code]].filter(Boolean).join('+');
}

/** As aria-keyshortcuts spells it. */
function ariaKeys(keys: Keys): string {
  const key = { Quote: "'", Semicolon: ';', BracketLeft: '[', BracketRight: ']', KeyS: 'S' }[keys.code as string] ?? keys.code;
  return [keys.mod ? (isMac() ? 'Meta' : 'Control') : '', keys.alt ? 'Alt' : '', keys.shift ? 'Shift' : '', key].filter(Boolean).join('+');
}

function matches(keys: Keys, event: KeyboardEvent): boolean {
  return event.code === keys.code && event.shiftKey === !!keys.shift && event.altKey === !!keys.alt
    && (event.ctrlKey || event.metaKey) === !!keys.mod;
}

export function installShortcuts(perform: (action: Action) => void): void {
  for (const shortcut of SHORTCUTS) {
    const button = document.getElementById(shortcut.button);
    const kbd = button?.querySelector('kbd');
    const first = shortcut.keys[0]!;
    if (kbd) kbd.textContent = !first.code.startsWith('F') ? keysLabel(first) : first.shift ? `\u21E7${first.code}` : first.code;
    button?.setAttribute('aria-keyshortcuts', shortcut.keys.map(ariaKeys).join(' '));
  }
  window.addEventListener('keydown', (event) => {
    const shortcut = SHORTCUTS.find((s) => s.keys.some((k) => matches(k, event)));
    if (shortcut) {
      event.preventDefault();
      perform(shortcut.action);
      return;
    }
    // "?" opens the list, unless the key is typed into something.
    if (event.key === '?' && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target)) {
      event.preventDefault();
      showShortcuts();
    }
  });
  byId('shortcuts-button').addEventListener('click', showShortcuts);
}

function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)
    || target.closest('.monaco-editor') !== null);
}

/** The list of shortcuts, in a dialog (Escape or its button closes it, and focus goes back where it was). */
export function showShortcuts(): void {
  const dialog = byId<HTMLDialogElement>('shortcuts-dialog');
  const row = (what: string, keys: string[]) => h('tr', {}, h('th', { scope: 'row' }, what),
    h('td', {}, ...keys.flatMap((k, i) => [i > 0 ? ' or ' : '', h('kbd', {}, k)])));
  fill(byId('shortcuts-list'),
    ...SHORTCUTS.map((s) => row(s.description, s.keys.map(keysLabel))),
    row('In the editor: Tab indents, or moves the focus on (switch)', [isMac() ? 'Ctrl+Shift+M' : 'Ctrl+M']),
    ...ROW_KEYS.map(([what, keys]) => row(what, keys)),
    row('This list', ['?']));
  if (!dialog.open) dialog.showModal();
}

export function editorCommands(perform: (action: Action) => void): EditorCommand[] {
  return SHORTCUTS.flatMap((s) => s.keys.map((keys) => ({
    keybinding: (monaco: Monaco) => (keys.shift ? monaco.KeyMod.Shift : 0) | (keys.mod ? monaco.KeyMod.CtrlCmd : 0)
      | (keys.alt ? monaco.KeyMod.Alt : 0) | monaco.KeyCode[keys.code],
    run: () => perform(s.action),
  })));
}
