// Element Plus tables give no per-row attributes, and the e2e needs `data-testid` on each row:
// after each render the rendered <tr>s (one per item, no tree, no expansion) get them.
import { nextTick, watch, type Ref } from 'vue'

export function tagRows<T>(table: Ref<{ $el: HTMLElement } | null>, items: () => T[] | undefined, attrs: (item: T) => Record<string, string>): void {
  watch(
    items,
    async (list) => {
      await nextTick()
      const rows = table.value?.$el.querySelectorAll<HTMLTableRowElement>('.el-table__body tr.el-table__row') ?? []
      rows.forEach((tr, i) => {
        const item = list?.[i]
        if (item === undefined) return
        for (const [k, v] of Object.entries(attrs(item))) tr.setAttribute(k, v)
      })
    },
    { flush: 'post', immediate: true },
  )
}
