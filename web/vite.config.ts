import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type ProxyOptions } from "vite";

/** The API server `npm run dev:web` forwards to (start it with `npm start` or `touchpoint serve`). */
const api = process.env.TOUCHPOINT_API ?? "http://localhost:8080";

/** The session's POST and DELETE must come from the server's own origin, so the proxy speaks as it. */
const forward: ProxyOptions = {
  target: api,
  changeOrigin: true,
  configure: (proxy) => proxy.on("proxyReq", (req) => req.setHeader("origin", api)),
};

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [react()],
  build: {
    outDir: "../dist/web",
    emptyOutDir: true,
    assetsDir: "assets",
    // Served under a strict Content-Security-Policy: no inline scripts, so nothing may be inlined as one.
    assetsInlineLimit: 0,
    // ECharts' core with bars, grid, tooltip and legend is one ~520 kB chunk, loaded with the first chart
    // (the line, sankey, funnel and heatmap series come with the pages that draw them).
    chunkSizeWarningLimit: 560,
  },
  server: { proxy: { "/api": forward, "/v1": forward, "/s": forward } },
});
