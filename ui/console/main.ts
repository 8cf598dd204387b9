// The supervisors' console (issue 6): Element Plus + ECharts + Leaflet over the server's HTTP API.
import { createApp } from 'vue'
import ElementPlus from 'element-plus'
import 'element-plus/dist/index.css'
import 'leaflet/dist/leaflet.css'
import '@/console/style.css'
import App from '@/console/App.vue'
import { router } from '@/console/router'
import { consoleI18n, initialLang, setConsoleLanguage } from '@/i18n/console'

setConsoleLanguage(initialLang(), false)
createApp(App).use(consoleI18n).use(router).use(ElementPlus).mount('#app')
