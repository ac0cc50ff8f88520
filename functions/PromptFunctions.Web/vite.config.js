import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// The API is served by the same host, so the page calls /api on its own origin. `npm run dev` proxies it to a
// running host (./run.sh): PF_API=http://127.0.0.1:7071 by default.
export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
  server: {
    proxy: { "/api": process.env.PF_API ?? "http://127.0.0.1:7071" },
  },
});
