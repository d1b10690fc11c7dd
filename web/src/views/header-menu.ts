// At phone widths the header keeps its first two rows for the title, the examples, the architecture
// and the example's name; the links, the theme, Copy link and Embed this go behind "More", a menu
// that opens below the header. Wider, they stand in the header and "More" is not shown (styles.css).
import { byId } from '../dom.ts';

export function installHeaderMenu(): void {
  const header = byId('header-more').closest('header')!;
  const more = byId<HTMLButtonElement>('header-more');
  const tools = byId('header-tools');
  const setOpen = (open: boolean) => {
    header.dataset.more = open ? 'open' : 'closed';
    more.setAttribute('aria-expanded', String(open));
  };
  setOpen(false);
  more.addEventListener('click', () => {
    const open = header.dataset.more !== 'open';
    setOpen(open);
    if (open) tools.querySelector<HTMLElement>('a, button')?.focus();
  });
  tools.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || header.dataset.more !== 'open') return;
    setOpen(false);
    more.focus();
  });
  // A dialog it opens takes over; Copy link keeps the menu open so that its status can be read.
  for (const id of ['shortcuts-button', 'embed-this']) byId(id).addEventListener('click', () => setOpen(false));
  document.addEventListener('pointerdown', (event) => {
    if (header.dataset.more === 'open' && !tools.contains(event.target as Node) && !more.contains(event.target as Node)) setOpen(false);
  });
}
