/**
 * Builds the SPA into packages/web/dist, which the server serves at `/` (assets under /assets/ are
 * content-hashed, so the server caches them as immutable). `npm run dev -w @fawkes/web` proxies the API to a
 * local server (FAWKES_SERVER, default http://127.0.0.1:8153).
 */
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const server = process.env.FAWKES_SERVER ?? "http://127.0.0.1:8153";

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
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
