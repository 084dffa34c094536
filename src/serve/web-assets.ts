import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';

/**
 * The built web app (web/dist, made by `npm run build`) served on the server's own origin, so the
 * app and /api/ share cookies and need no CORS. Paths outside the folder are never read. Files under
 * assets/ have content hashes in their names and are cached for a year; index.html never is.
 */

// src/serve/ and dist/serve/ are both two levels below the package root.
export const webDistDirectory = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export function webAppBuilt(directory = webDistDirectory): boolean {
  return existsSync(join(directory, 'index.html'));
}

/** The file for a GET under /, or undefined to fall through to the 404. */
export function webAsset(c: Context, directory = webDistDirectory): Response | undefined {
  if (!webAppBuilt(directory)) return undefined;
  const path = decodeURIComponent(new URL(c.req.url).pathname);
  const root = resolve(directory);
  const file = resolve(root, `.${path === '/' ? '/index.html' : path}`);
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  if (!existsSync(file) || !statSync(file).isFile()) return undefined;
  const hashed = path.startsWith('/assets/');
  return new Response(readFileSync(file), {
    headers: {
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(extname(file) === '.html'
        ? {
            // The app loads only its own scripts and styles, and cannot be framed.
            'content-security-policy':
              "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
            'x-frame-options': 'DENY',
          }
        : {}),
    },
  });
}
