// Light or dark: as the system is, or as the reader chose with the header's theme button (kept in
// localStorage). The choice is a class on <html> that the style sheet's colours follow.
import { byId } from './dom.ts';

const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];
const STORAGE_KEY = 'hotpatch-theme';

export function chosenTheme(): Theme {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return THEMES.find((t) => t === stored) ?? 'system';
  } catch {
    return 'system';
  }
}

/** Whether the page is dark now. */
export function isDark(): boolean {
  const theme = chosenTheme();
  return theme === 'dark' || (theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
}

function apply(theme: Theme): void {
  document.documentElement.classList.toggle('light', theme === 'light');
  document.documentElement.classList.toggle('dark', theme === 'dark');
  const button = byId('theme');
  button.textContent = `Theme: ${theme}`;
  button.setAttribute('aria-pressed', String(theme !== 'system'));
}

/** Applies the stored choice and wires the button; `changed` runs whenever light or dark may have changed. */
export function installThemeSwitch(changed: () => void): void {
  apply(chosenTheme());
  byId('theme').addEventListener('click', () => {
    const next = THEMES[(THEMES.indexOf(chosenTheme()) + 1) % THEMES.length]!;
    try {
      if (next === 'system') localStorage.removeItem(STORAGE_KEY); else localStorage.setItem(STORAGE_KEY, next);
    } catch { /* storage refused: the choice lasts until the page is closed */ }
    apply(next);
    changed();
  });
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', changed);
}
