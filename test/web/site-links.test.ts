// The link-preview tags that need the site's address, and the source link from package.json
// (web/build/site-links.ts): og:image is an absolute URL, so it is named only when the address is known.
import { describe, expect, it } from 'vitest';
import { addressTags, siteUrl, sourceUrl } from '../../web/build/site-links.ts';

describe('site links', () => {
  it('knows the site\'s address only from HOTPATCH_SITE_URL or an absolute base', () => {
    expect(siteUrl('./', undefined)).toBeUndefined();
    expect(siteUrl('/sub/', undefined)).toBeUndefined();
    expect(siteUrl('https://play.example/sub', undefined)).toBe('https://play.example/sub/');
    expect(siteUrl('./', 'https://play.example')).toBe('https://play.example/');
  });

  it('names the preview image with an absolute URL when the address is known, and not at all otherwise', () => {
    expect(addressTags(undefined)).toBe('');
    const tags = addressTags('https://play.example/lab/');
    expect(tags).toContain('<meta property="og:image" content="https://play.example/lab/og-image.png">');
    expect(tags).toContain('<meta property="og:url" content="https://play.example/lab/">');
    expect(tags).toContain('<meta name="twitter:card" content="summary_large_image">');
  });

  it('links to the source only when package.json names a web address for it', () => {
    expect(sourceUrl({})).toBeUndefined();
    expect(sourceUrl({ repository: { url: 'git+https://git.example/hotpatch.git' } })).toBe('https://git.example/hotpatch');
    expect(sourceUrl({ repository: 'github:someone/hotpatch' })).toBeUndefined();
    expect(sourceUrl({ homepage: 'https://hotpatch.example' })).toBe('https://hotpatch.example');
  });
});
