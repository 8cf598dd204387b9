// Which Backend the worker app runs on (`./backend.ts` defines it): Tauri's inside the app's
// webview, the in-memory mock anywhere else. What the screens import from `@/backend`.
import type { Backend } from './backend'

export type * from './types'
export type { Backend } from './backend'
export { BackendError } from './errors'

/** True inside the Tauri webview. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window
}

/** The Tauri backend in the app's webview, the in-memory mock in a plain browser. */
export async function createBackend(): Promise<Backend> {
  if (inTauri()) {
    const { createTauriBackend } = await import('./tauri')
    return createTauriBackend()
  }
  const { createMockBackend } = await import('./mock')
  return createMockBackend({ persistLanguage: true })
}
