// Keyboard shortcuts: one table, used by the page, by the editor (which would otherwise take F8
// for itself) and by the labels on the buttons.
import type { EditorCommand } from './editor/source-editor.ts';
import type { Monaco } from './editor/monaco-loader.ts';

export type Action = 'run' | 'step' | 'step-over' | 'reset' | 'apply' | 'patch-next' | 'patch-back';

interface Shortcut {
  action: Action;
  key: 'F6' | 'F7' | 'F8' | 'F10' | 'F11';
  shift: boolean;
  /** As shown on the button. */
  label: string;
  /** The button that does the same. */
  button: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'run', key: 'F8', shift: false, label: 'F8', button: 'run' },
  { action: 'step', key: 'F11', shift: false, label: 'F11', button: 'step' },
  { action: 'step-over', key: 'F10', shift: false, label: 'F10', button: 'step-over' },
  { action: 'reset', key: 'F8', shift: true, label: '\u21E7F8', button: 'reset' },
  { action: 'apply', key: 'F6', shift: false, label: 'F6', button: 'apply' },
  { action: 'patch-next', key: 'F7', shift: false, label: 'F7', button: 'patch-forward' },
  { action: 'patch-back', key: 'F7', shift: true, label: '\u21E7F7', button: 'patch-back' },
];

export function installShortcuts(perform: (action: Action) => void): void {
  for (const shortcut of SHORTCUTS) {
    const button = document.getElementById(shortcut.button);
    const kbd = button?.querySelector('kbd');
    if (kbd) kbd.textContent = shortcut.label;
    button?.setAttribute('aria-keyshortcuts', `${shortcut.shift ? 'Shift+' : ''}${shortcut.key}`);
  }
  window.addEventListener('keydown', (event) => {
    const shortcut = SHORTCUTS.find((s) => s.key === event.key && s.shift === event.shiftKey);
    if (!shortcut || event.ctrlKey || event.altKey || event.metaKey) return;
    event.preventDefault();
    perform(shortcut.action);
  });
}

export function editorCommands(perform: (action: Action) => void): EditorCommand[] {
  return SHORTCUTS.map((s) => ({
    keybinding: (monaco: Monaco) => (s.shift ? monaco.KeyMod.Shift : 0) | monaco.KeyCode[s.key],
    run: () => perform(s.action),
  }));
}
