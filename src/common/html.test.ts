import { describe, expect, it } from 'vitest';
import { escapeHtml, htmlPage } from './html.js';

describe('HTML', () => {
  it('escapes text and builds a self-contained page', () => {
    expect(escapeHtml('a<b> & "c"')).toBe('a&#60;b&#62; &#38; &#34;c&#34;');
    const page = htmlPage({ title: 'x < y', style: 'p{}', body: '<p>hi</p>' });
    expect(page).toMatch(/^<!doctype html>\n/);
    expect(page).toContain('<title>x &#60; y</title>');
    expect(page).toContain('<style>p{}</style>');
    expect(page).toContain('<p>hi</p>\n</body></html>\n');
  });
});
