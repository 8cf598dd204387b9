// One Vite project, one entry per app (docs/DESIGN.md §2). `--mode worker` (the default) builds the
// grid worker's app into dist/worker/; `--mode console` the supervisors' console into
// dist/console/ (served by yiwang-server at `/`). For the console, `vite` and `vite preview`
// proxy `/api` to a running server (YIWANG_API, default http://127.0.0.1:8080).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'

/**
 * Vant's icon font is inlined as woff2 with a remote woff fallback on at.alicdn.com. The app
 * must never reach the internet by itself: drop the fallback URL.
 */
function noRemoteFonts(): Plugin {
  return {
    name: 'yiwang-no-remote-fonts',
    enforce: 'post',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type === 'asset' && file.fileName.endsWith('.css') && typeof file.source === 'string') {
          file.source = file.source.replace(/,\s*url\((?:https?:)?\/\/[^)]*\)\s*format\("woff"\)/g, '')
        }
      }
    },
  }
}

const ENTRIES = ['worker', 'console'] as const
type Entry = (typeof ENTRIES)[number]

export default defineConfig(({ mode }) => {
  const entry: Entry = (ENTRIES as readonly string[]).includes(mode) ? (mode as Entry) : 'worker'
  const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
  const api = process.env.YIWANG_API ?? 'http://127.0.0.1:8080'
  const proxy = entry === 'console' ? { '/api': { target: api, changeOrigin: false } } : undefined
  return {
    root: here(`./${entry}`),
    // Relative asset URLs: the Tauri webview and any static folder can serve dist/<entry>/.
    base: './',
    plugins: [vue(), noRemoteFonts()],
    resolve: { alias: { '@': here('./src') } },
    define: {
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
      __VUE_I18N_FULL_INSTALL__: 'true',
      __VUE_I18N_LEGACY_API__: 'false',
      __INTLIFY_PROD_DEVTOOLS__: 'false',
    },
    publicDir: false as const,
    server: { port: 5173, strictPort: false, fs: { allow: [here('.')] }, proxy },
    preview: { port: 4173, proxy },
    build: {
      outDir: here(`./dist/${entry}`),
      emptyOutDir: true,
      // The webview is WebKitGTK (desktop) or a current mobile webview.
      target: 'es2020',
      // Element Plus alone is about 1 MB minified (one cached chunk of the console).
      chunkSizeWarningLimit: entry === 'console' ? 1100 : 900,
      // The console's big libraries in their own chunks, so a release changes few files.
      rollupOptions: entry === 'console'
        ? {
            output: {
              manualChunks(id: string) {
                if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element-plus'
                if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts'
                if (id.includes('node_modules/leaflet')) return 'leaflet'
                return undefined
              },
            },
          }
        : {},
    },
  }
})
