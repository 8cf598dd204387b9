// The worker app's shared state: the backend, who is signed in, the language, the latest sync
// progress, and a counter that screens watch to reload after a sync changed data.
import { reactive } from 'vue'
import { showFailToast } from 'vant'
import type { AppInfo, Backend, SyncView } from '@/backend'
import { i18n, setLanguage, toLang } from '@/i18n'
import { errorText } from '@/logic/errors'
import type { Lang } from '@/logic/caseBadge'

let backend: Backend | null = null

export const app = reactive({
  info: null as AppInfo | null,
  lang: 'zh-CN' as Lang,
  sync: null as SyncView | null,
  /** Bumped on `data-changed`: screens reload when it moves. */
  dataVersion: 0,
})

export function useBackend(): Backend {
  if (!backend) throw new Error('backend not initialised')
  return backend
}

export async function initApp(b: Backend): Promise<void> {
  backend = b
  app.info = await b.appInfo()
  applyLanguage(toLang(app.info.settings.language))
  b.onSyncProgress((s) => {
    app.sync = s
  })
  b.onDataChanged(() => {
    app.dataVersion++
  })
  app.sync = await b.syncStatus().catch(() => null)
}

export async function refreshInfo(): Promise<void> {
  app.info = await useBackend().appInfo()
}

export function applyLanguage(lang: Lang): void {
  app.lang = lang
  setLanguage(lang)
}

export function signedIn(): boolean {
  return !!app.info?.session
}

/** The user-facing text of an error (by its code) as a toast. */
export function toastError(e: unknown): void {
  console.error(e)
  showFailToast({ message: errorText(e, toLang(i18n.global.locale.value)), wordBreak: 'break-word' })
}
