// Build step for what a page is known by outside itself: link-preview tags and links to the
// documentation. The playground links to its docs page, to the README shipped with the build (with
// the docs/*.md it links to, at the same relative places), and to the source when package.json
// names a repository or homepage. og:image must be an absolute URL, so the preview image
// (web/public/og-image.png, scripts/og-image.ts) is named only when the site's address is known:
// HOTPATCH_SITE_URL, or an absolute --base.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin } from 'vite';

const IMAGE = { file: 'og-image.png', width: 1200, height: 629, alt: 'The jump diagram: the caller calls price_with_tax, whose entry now jumps to price_with_tax_fixed' };

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The site's address, ending in "/", when it is known. */
export function siteUrl(base: string, env: string | undefined = process.env.HOTPATCH_SITE_URL): string | undefined {
  const url = env || (/^https?:\/\//.test(base) ? base : undefined);
  return url ? (url.endsWith('/') ? url : `${url}/`) : undefined;
}

/** The preview tags that need the site's address (none without one). */
export function addressTags(site: string | undefined): string {
  if (!site) return '';
  const image = new URL(IMAGE.file, site).href;
  return [
    `<meta property="og:url" content="${escapeAttribute(site)}">`,
    `<meta property="og:image" content="${escapeAttribute(image)}">`,
    `<meta property="og:image:width" content="${IMAGE.width}">`,
    `<meta property="og:image:height" content="${IMAGE.height}">`,
    `<meta property="og:image:alt" content="${escapeAttribute(IMAGE.alt)}">`,
    '<meta name="twitter:card" content="summary_large_image">',
    `<meta name="twitter:image" content="${escapeAttribute(image)}">`,
  ].map((tag) => `  ${tag}\n`).join('');
}

/** The source's address from package.json's repository (or homepage), if it names one. */
export function sourceUrl(pkg: { repository?: string | { url?: string }; homepage?: string }): string | undefined {
  const repository = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const url = (repository ?? pkg.homepage)?.replace(/^git\+/, '').replace(/\.git$/, '');
  return url && /^https?:\/\//.test(url) ? url : undefined;
}

export function siteLinks(root = resolve('.')): Plugin {
  let base = './';
  return {
    name: 'site-links',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml(html, context) {
      // The playground's page only (the docs and the embed pages have their own heads).
      if (context.path !== '/index.html') return html;
      const site = siteUrl(base);
      const source = sourceUrl(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Parameters<typeof sourceUrl>[0]);
      let out = html.replace('<!-- address-tags -->\n', addressTags(site));
      if (site) out = out.replace(/\s*<meta name="twitter:card" content="summary">/, '');
      out = out.replace('<!-- source-link -->', source ? `<a href="${escapeAttribute(source)}" title="The source code">Source</a>` : '');
      return out;
    },
    generateBundle() {
      // The README and the docs it links to, where its links expect them.
      this.emitFile({ type: 'asset', fileName: 'README.md', source: readFileSync(join(root, 'README.md'), 'utf8') });
      for (const name of readdirSync(join(root, 'docs')).filter((n) => n.endsWith('.md'))) {
        this.emitFile({ type: 'asset', fileName: `docs/${name}`, source: readFileSync(join(root, 'docs', name), 'utf8') });
      }
    },
  };
}
