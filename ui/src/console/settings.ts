// Console settings kept in this browser (localStorage): the map's tile URL template. Empty by
// default: maps draw on a plain background and never reach the network.
import { reactive } from 'vue'

const TILE_KEY = 'yiwang.console.tiles'
const ATTR_KEY = 'yiwang.console.tiles.attribution'

export const TILE_EXAMPLE = 'https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=YOUR_KEY'

export const mapSettings = reactive({
  tileUrl: localStorage.getItem(TILE_KEY) ?? '',
  attribution: localStorage.getItem(ATTR_KEY) ?? '',
})

export function saveMapSettings(tileUrl: string, attribution: string): void {
  mapSettings.tileUrl = tileUrl.trim()
  mapSettings.attribution = attribution.trim()
  if (mapSettings.tileUrl) localStorage.setItem(TILE_KEY, mapSettings.tileUrl)
  else localStorage.removeItem(TILE_KEY)
  if (mapSettings.attribution) localStorage.setItem(ATTR_KEY, mapSettings.attribution)
  else localStorage.removeItem(ATTR_KEY)
}
