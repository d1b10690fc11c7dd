// Keyboard shortcuts: one table, used by the page, by the editor (which would otherwise take F8
// for itself) and by the labels on the buttons.
import type { EditorCommand } from './editor/source-editor.ts';
import type { Monaco } from './editor/monaco-loader.ts';

export type Action = 'run' | 'step' | 'step-over' | 'reset' | 'apply';

interface Shortcut {
  action: Action;
  key: 'F6' | 'F8' | 'F10' | 'F11';
  shift: boolean;
  /** As shown on the button. */
  label: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'run', key: 'F8', shift: false, label: 'F8' },
  { action: 'step', key: 'F11', shift: false, label: 'F11' },
  { action: 'step-over', key: 'F10', shift: false, label: 'F10' },
  { action: 'reset', key: 'F8', shift: true, label: '\u21E7F8' },
  { action: 'apply', key: 'F6', shift: false, label: 'F6' },
];

export function installShortcuts(perform: (action: Action) => void): void {
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
