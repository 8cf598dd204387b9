// The console's i18n: its own messages (console-zh-CN.ts, console-en.ts), zh-CN by default,
// en on request (?lang=en or the switch in the header, remembered in localStorage).
import { createI18n } from 'vue-i18n'
import consoleZhCN, { type ConsoleMessages } from './console-zh-CN'
import consoleEn from './console-en'
import type { Lang } from '@/logic/caseBadge'

const LANG_KEY = 'yiwang.console.lang'

export const consoleI18n = createI18n({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': consoleZhCN, en: consoleEn } as Record<Lang, ConsoleMessages>,
})

/** ?lang= in the page's URL (before or after the hash), else the saved choice, else zh-CN. */
export function initialLang(): Lang {
  const href = typeof location === 'undefined' ? '' : location.href
  const m = /[?&]lang=([A-Za-z-]+)/.exec(href)
  const asked = m?.[1] ?? (typeof localStorage === 'undefined' ? null : localStorage.getItem(LANG_KEY))
  return asked === 'en' ? 'en' : 'zh-CN'
}

export function setConsoleLanguage(lang: Lang, remember = true): void {
  consoleI18n.global.locale.value = lang
  if (typeof document !== 'undefined') document.documentElement.lang = lang
  if (remember && typeof localStorage !== 'undefined') localStorage.setItem(LANG_KEY, lang)
}

export function consoleLang(): Lang {
  return consoleI18n.global.locale.value as Lang
}
