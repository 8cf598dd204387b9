import { createI18n } from 'vue-i18n'
import { Locale } from 'vant'
import vantEn from 'vant/es/locale/lang/en-US'
import vantZh from 'vant/es/locale/lang/zh-CN'
import zhCN, { type Messages } from './zh-CN'
import en from './en'
import type { Lang } from '@/logic/caseBadge'

export const LANGUAGES: Lang[] = ['zh-CN', 'en']

export const i18n = createI18n({
  legacy: false,
  locale: 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en } as Record<Lang, Messages>,
})

export function toLang(s: string | null | undefined): Lang {
  return s === 'en' ? 'en' : 'zh-CN'
}

/** Switches vue-i18n, Vant's own texts and <html lang>. */
export function setLanguage(lang: Lang): void {
  i18n.global.locale.value = lang
  if (lang === 'en') Locale.use('en-US', vantEn)
  else Locale.use('zh-CN', vantZh)
  if (typeof document !== 'undefined') document.documentElement.lang = lang
}
