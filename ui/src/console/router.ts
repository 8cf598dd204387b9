// Hash routes (listed in ui/README.md). Every route but login needs a session; a route the role
// has no nav item for goes to the 403 page, as the server would refuse its data anyway.
import { createRouter, createWebHashHistory } from 'vue-router'
import { mayOpen, type NavItem } from '@/logic/console/roles'
import { homeFor } from '@/logic/console/roles'
import { session } from './session'
import { setUnauthorizedHandler } from './http'
import { clear, sessionReady, setSignedOutElsewhereHandler } from './session'

declare module 'vue-router' {
  interface RouteMeta {
    nav?: NavItem
    public?: boolean
  }
}

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: () => (session.user ? homeFor(session.user.role) : '/login') },
    { path: '/login', component: () => import('./screens/LoginScreen.vue'), meta: { public: true } },
    { path: '/cases', component: () => import('./screens/CasesScreen.vue'), meta: { nav: 'cases' } },
    { path: '/cases/:id', component: () => import('./screens/CaseScreen.vue'), meta: { nav: 'cases' }, props: true },
    { path: '/intake', component: () => import('./screens/IntakeScreen.vue'), meta: { nav: 'intake' } },
    { path: '/dashboard', component: () => import('./screens/DashboardScreen.vue'), meta: { nav: 'dashboard' } },
    { path: '/grids', component: () => import('./screens/GridsScreen.vue'), meta: { nav: 'grids' } },
    { path: '/patrols/:id', component: () => import('./screens/PatrolScreen.vue'), meta: { nav: 'grids' }, props: true },
    { path: '/forbidden', component: () => import('./screens/ForbiddenScreen.vue') },
    { path: '/not-found', component: () => import('./screens/NotFoundScreen.vue') },
    { path: '/:rest(.*)*', redirect: '/not-found' },
  ],
})

router.beforeEach(async (to) => {
  // A new tab may be handed the browser's sign-in by another tab first.
  await sessionReady
  if (to.meta.public) return session.user && to.path === '/login' ? homeFor(session.user.role) : true
  if (!session.user) return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (to.meta.nav && !mayOpen(session.user.role, to.meta.nav)) return '/forbidden'
  return true
})

setSignedOutElsewhereHandler(() => {
  const here = router.currentRoute.value
  if (!here.meta.public) void router.replace('/login')
})

setUnauthorizedHandler(() => {
  clear()
  const here = router.currentRoute.value
  if (!here.meta.public) void router.replace({ path: '/login', query: { next: here.fullPath } })
})
