import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built into dist/admin/, where the server reads it at start (src/admin/static-assets.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the page works at any path and from any host name.
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../dist/admin', import.meta.url)),
    emptyOutDir: true,
  },
});
