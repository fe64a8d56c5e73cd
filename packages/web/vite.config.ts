/**
 * Builds the SPA into packages/web/dist, which the server serves at `/` (assets under /assets/ are
 * content-hashed, so the server caches them as immutable). `npm run dev -w @fawkes/web` proxies the API to a
 * local server (FAWKES_SERVER, default http://127.0.0.1:8153).
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const server = process.env.FAWKES_SERVER ?? "http://127.0.0.1:8153";
const outDir = path.join(import.meta.dirname, "dist");

/**
 * Writes `.br` and `.gz` beside each text asset, compressed once at the strongest levels: the server sends them
 * as they are (no compression work per request, and no compression code in the server's memory).
 */
function precompress(): Plugin {
  return {
    name: "fawkes-precompress",
    apply: "build",
    async closeBundle() {
      for (const entry of await readdir(outDir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !/\.(js|css|html|svg|json)$/.test(entry.name)) continue;
        const file = path.join(entry.parentPath, entry.name);
        const bytes = await readFile(file);
        if (bytes.length < 1024) continue;
        await writeFile(`${file}.gz`, gzipSync(bytes, { level: 9 }));
        await writeFile(
          `${file}.br`,
          brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        );
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [react(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    target: "es2022",
    rolldownOptions: {
      // The protocol's entry re-exports its zod schemas; the UI imports only types and route constants, so
      // treating the protocol as side-effect free keeps zod out of the bundle.
      treeshake: { moduleSideEffects: (id: string) => !id.includes("/packages/protocol/") },
    },
  },
  server: { proxy: { "/api": { target: server, changeOrigin: false } } },
});
