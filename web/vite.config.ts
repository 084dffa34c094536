import { defineConfig } from 'vite';

/**
 * The Tailor web app: a single page served by `tailor serve` from web/dist. Build it with
 * `npx vite build --config web/vite.config.ts`; `npx vite --config web/vite.config.ts` serves it for
 * development and forwards /api/ to a running `tailor serve` (TAILOR_API_URL, default port 8787).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      onwarn(warning, warn) {
        // zod's sources carry comments that Rollup cannot place; it drops them, which is harmless.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { '/api': process.env.TAILOR_API_URL ?? 'http://127.0.0.1:8787' },
  },
});
