// Formatting for the worker screens. Times travel as UTC RFC 3339; the UI shows them in the
// county's zone (Asia/Shanghai), whatever the device's own zone is (docs/STYLE.md).
import type { Lang } from './caseBadge'

export const TIME_ZONE = 'Asia/Shanghai'

/** 65 → "01:05", 3 725 → "1:02:05". Negative or non-finite input shows "00:00". */
export function formatElapsed(seconds: number): string {
  const s = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  const mm = String(m).padStart(2, '0')
  const ss = String(sec).padStart(2, '0')
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`
}

/** 850 → "850 米" / "850 m"; 1 234 → "1.23 公里" / "1.23 km"; ≥ 10 km one decimal. */
export function formatDistance(meters: number, lang: Lang): string {
  const m = Number.isFinite(meters) && meters > 0 ? meters : 0
  if (m < 1000) return lang === 'en' ? `${Math.round(m)} m` : `${Math.round(m)} 米`
  const km = m / 1000
  const s = km < 10 ? km.toFixed(2) : km.toFixed(1)
  return lang === 'en' ? `${s} km` : `${s} 公里`
}

/** 0 → "0 B", 1 536 → "1.5 KB", 5 242 880 → "5.0 MB" (binary units, one decimal). */
export function formatBytes(bytes: number): string {
  const b = Number.isFinite(bytes) && bytes > 0 ? bytes : 0
  if (b < 1024) return `${Math.round(b)} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = b / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(1)} ${units[i]}`
}

function parts(d: Date): Record<string, string> {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  })
  return Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]))
}

/**
 * "11-26 14:05" (same year as `now`) or "2025-11-26 14:05", in Asia/Shanghai.
 * Null, empty or unparsable input shows "—".
 */
export function formatDateTime(rfc3339: string | null | undefined, now: Date = new Date()): string {
  if (!rfc3339) return '—'
  const d = new Date(rfc3339)
  if (Number.isNaN(d.getTime())) return '—'
  const p = parts(d)
  const sameYear = parts(now).year === p.year
  return `${sameYear ? '' : `${p.year}-`}${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** "刚刚" / "5 分钟前" / "3 小时前" / "2 天前" (en: "just now", "5 min ago", …); future: date. */
export function formatAgo(rfc3339: string | null | undefined, lang: Lang, now: Date = new Date()): string {
  if (!rfc3339) return '—'
  const t = new Date(rfc3339).getTime()
  if (Number.isNaN(t)) return '—'
  const s = Math.floor((now.getTime() - t) / 1000)
  if (s < -60) return formatDateTime(rfc3339, now)
  if (s < 60) return lang === 'en' ? 'just now' : '刚刚'
  const m = Math.floor(s / 60)
  if (m < 60) return lang === 'en' ? `${m} min ago` : `${m} 分钟前`
  const h = Math.floor(m / 60)
  if (h < 24) return lang === 'en' ? `${h} h ago` : `${h} 小时前`
  const d = Math.floor(h / 24)
  if (d < 7) return lang === 'en' ? `${d} d ago` : `${d} 天前`
  return formatDateTime(rfc3339, now)
}

/** Seconds since `startedAt` at `now`, never negative (a clock set back shows 0). */
export function elapsedSince(startedAt: string, now: Date): number {
  const t = Date.parse(startedAt)
  if (Number.isNaN(t)) return 0
  return Math.max(0, Math.floor((now.getTime() - t) / 1000))
}
