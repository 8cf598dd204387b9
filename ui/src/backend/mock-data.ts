// Seed data for the in-memory backend: a slice of the real category tree
// (core/data/categories.json) with the pinyin the facade computes, and a grid worker's day.
import type { CategoryView } from './types'

type Leaf = [code: string, name: string, pinyin: string, initials: string, dept: string, days: number]
type Class = [code: string, name: string, pinyin: string, initials: string, leaves: Leaf[]]

const TREE: Class[] = [
  ['01', '公共设施', 'gonggongsheshi', 'ggss', [
    ['01.01', '井盖缺失或破损', 'jinggaiqueshihuoposun', 'jgqshps', '城市管理综合行政执法局', 1],
    ['01.02', '电线裸露或私拉乱接', 'dianxianluoluhuosilaluanjie', 'dxllhslj', '供电公司', 1],
    ['01.03', '路灯不亮或损坏', 'ludengbulianghuosunhuai', 'ldblhsh', '城市管理综合行政执法局', 3],
    ['01.05', '供水管道漏水', 'gongshuiguandaoloushui', 'gsgdls', '水务局', 1],
  ]],
  ['02', '道路交通', 'daolujiaotong', 'dljt', [
    ['02.01', '道路坑洼破损', 'daolukengwaposun', 'dlkwps', '交通运输局', 5],
    ['02.06', '机动车乱停乱放', 'jidongcheluantingluanfang', 'jdcltlf', '公安局', 1],
    ['02.07', '道路积水', 'daolujishui', 'dljs', '水务局', 1],
  ]],
  ['03', '市容环境', 'shironghuanjing', 'srhj', [
    ['03.01', '暴露垃圾', 'baolulaji', 'bllj', '城市管理综合行政执法局', 1],
    ['03.02', '乱堆乱放', 'luanduiluanfang', 'ldlf', '城市管理综合行政执法局', 3],
    ['03.03', '垃圾桶满溢或破损', 'lajitongmanyihuoposun', 'ljtmyhps', '城市管理综合行政执法局', 1],
    ['03.04', '焚烧垃圾或秸秆', 'fenshaolajihuojiegan', 'fsljhjg', '生态环境分局', 1],
  ]],
  ['09', '街面秩序', 'jiemianzhixu', 'jmzx', [
    ['09.01', '占道经营', 'zhandaojingying', 'zdjy', '城市管理综合行政执法局', 3],
    ['09.03', '流动摊贩', 'liudongtanfan', 'ldtf', '城市管理综合行政执法局', 3],
    ['09.04', '非机动车乱停放', 'feijidongcheluantingfang', 'fjdcltf', '城市管理综合行政执法局', 3],
  ]],
  ['10', '矛盾纠纷', 'maodunjiufen', 'mdjf', [
    ['10.01', '邻里纠纷', 'linlijiufen', 'lljf', '民政局', 5],
    ['10.03', '欠薪讨薪', 'qianxintaoxin', 'qxtx', '人力资源和社会保障局', 5],
    ['10.07', '物业服务纠纷', 'wuyefuwujiufen', 'wyfwjf', '住房和城乡建设局', 7],
  ]],
  ['11', '安全隐患', 'anquanyinhuan', 'aqyh', [
    ['11.01', '燃气安全隐患', 'ranqianquanyinhuan', 'rqaqyh', '住房和城乡建设局', 1],
    ['11.02', '电动车违规充电', 'diandongcheweiguichongdian', 'ddcwgcd', '应急管理局', 1],
    ['11.03', '消防通道堵塞', 'xiaofangtongdaodusai', 'xftdds', '应急管理局', 1],
  ]],
]

export function mockCategories(): CategoryView[] {
  const out: CategoryView[] = []
  for (const [code, name, pinyin, initials, leaves] of TREE) {
    out.push({ code, name, parent_code: null, leaf: false, path: name, pinyin, initials,
      default_department: null, deadline_days: null })
    for (const [lc, ln, lp, li, dept, days] of leaves) {
      out.push({ code: lc, name: ln, parent_code: code, leaf: true, path: `${name} / ${ln}`,
        pinyin: lp, initials: li, default_department: dept, deadline_days: days })
    }
  }
  return out
}

/** A 1×1 grey JPEG-shaped stand-in is not needed: seeded photos are small SVG data URLs. */
export function placeholderPhoto(label: string, hue: number): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">` +
    `<rect width="320" height="240" fill="hsl(${hue},45%,72%)"/>` +
    `<text x="160" y="130" font-size="28" text-anchor="middle" fill="#333">${label}</text></svg>`
  return 'data:image/svg+xml;base64,' + toBase64(new TextEncoder().encode(svg))
}

export function toBase64(bytes: Uint8Array): string {
  let bin = ''
  const chunk = 0x8000
  for (let i = 0; i < bytes.length; i += chunk) {
    bin += String.fromCharCode(...bytes.subarray(i, i + chunk))
  }
  return btoa(bin)
}
