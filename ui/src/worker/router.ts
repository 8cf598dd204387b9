// Hash routes (the contract's list): the Tauri webview serves files, so no history API paths.
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import { app, signedIn } from './state'
// Screens are bundled with the app (no lazy chunks): the webview reads local files, and the
// first screen must not wait for a second fetch.
import LoginScreen from './screens/LoginScreen.vue'
import HomeScreen from './screens/HomeScreen.vue'
import PatrolScreen from './screens/PatrolScreen.vue'
import FindingNewScreen from './screens/FindingNewScreen.vue'
import CasesScreen from './screens/CasesScreen.vue'
import CaseDetailScreen from './screens/CaseDetailScreen.vue'
import TasksScreen from './screens/TasksScreen.vue'
import VerifyScreen from './screens/VerifyScreen.vue'
import SyncScreen from './screens/SyncScreen.vue'
import SettingsScreen from './screens/SettingsScreen.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** The bottom tab this screen belongs to; none hides the tab bar. */
    tab?: 'home' | 'cases' | 'tasks' | 'sync' | 'settings'
    public?: boolean
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/home' },
  { path: '/login', component: LoginScreen, meta: { public: true } },
  { path: '/home', component: HomeScreen, meta: { tab: 'home' } },
  { path: '/patrol', component: PatrolScreen },
  { path: '/finding/new', component: FindingNewScreen },
  { path: '/cases', component: CasesScreen, meta: { tab: 'cases' } },
  { path: '/cases/:id', component: CaseDetailScreen, props: true },
  { path: '/tasks', component: TasksScreen, meta: { tab: 'tasks' } },
  { path: '/tasks/:id/verify', component: VerifyScreen, props: true },
  { path: '/sync', component: SyncScreen, meta: { tab: 'sync' } },
  { path: '/settings', component: SettingsScreen, meta: { tab: 'settings' } },
  { path: '/:rest(.*)*', redirect: '/home' },
]

export function createAppRouter() {
  const router = createRouter({ history: createWebHashHistory(), routes })
  router.beforeEach((to) => {
    if (!to.meta.public && !signedIn()) return { path: '/login' }
    // Signed in offline (needs_login) may open the login screen to sign in for real.
    if (to.path === '/login' && signedIn() && !app.info?.session?.needs_login && !to.query.relogin) {
      return { path: '/home' }
    }
    return true
  })
  return router
}

