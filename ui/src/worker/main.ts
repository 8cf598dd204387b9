// The grid worker's app: Vue 3 + Vant, zh-CN by default, talking to Rust through the Backend.
import { createApp } from 'vue'
import { setToastDefaultOptions } from 'vant'
import 'vant/lib/index.css'
import './style.css'
import App from './App.vue'
import { createBackend } from '@/backend'
import { i18n } from '@/i18n'
import { createAppRouter } from './router'
import { initApp } from './state'
import { watchPosition } from './tracker'

async function main(): Promise<void> {
  // Wrap toasts at word boundaries (English) instead of mid-word.
  setToastDefaultOptions({ wordBreak: 'break-word' })
  const backend = await createBackend()
  await initApp(backend)
  const app = createApp(App)
  app.use(i18n)
  app.use(createAppRouter())
  app.mount('#app')
  // Start locating early so the first finding already has a fix.
  watchPosition()
}

main().catch((e: unknown) => {
  console.error(e)
  const el = document.getElementById('app')
  if (el) el.textContent = `启动失败 / failed to start: ${e instanceof Error ? e.message : String(e)}`
})
