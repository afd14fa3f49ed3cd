import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router"

declare module "vue-router" {
  interface RouteMeta {
    /** Rendered without the shell and without a session (the sign-in callback). */
    public?: boolean
    /** The browser tab's title. */
    title?: string
  }
}

/** Every page is its own chunk, loaded when first visited, to keep the first load small. */
const routes: RouteRecordRaw[] = [
  {
    path: "/",
    name: "applications",
    component: () => import("./pages/Applications/ApplicationsPage.vue"),
    meta: { title: "Applications" }
  },
  {
    path: "/applications/:appId",
    component: () => import("./pages/Applications/ApplicationLayout.vue"),
    children: [
      {
        path: "",
        name: "dashboard",
        component: () => import("./pages/Dashboard/DashboardPage.vue"),
        meta: { title: "Dashboard" }
      },
      {
        path: "event-types",
        name: "event-types",
        component: () => import("./pages/EventTypes/EventTypesPage.vue"),
        meta: { title: "Event types" }
      },
      {
        path: "event-types/:eventTypeId",
        name: "event-type",
        component: () => import("./pages/EventTypes/EventTypePage.vue"),
        meta: { title: "Event type" }
      },
      {
        path: "endpoints",
        name: "endpoints",
        component: () => import("./pages/Endpoints/EndpointsPage.vue"),
        meta: { title: "Endpoints" }
      },
      {
        path: "endpoints/:endpointId",
        name: "endpoint",
        component: () => import("./pages/Endpoints/EndpointPage.vue"),
        meta: { title: "Endpoint" }
      },
      {
        path: "messages",
        name: "messages",
        component: () => import("./pages/Messages/MessagesPage.vue"),
        meta: { title: "Messages" }
      },
      {
        path: "messages/:messageId",
        name: "message",
        component: () => import("./pages/Messages/MessagePage.vue"),
        meta: { title: "Message" }
      },
      {
        path: "dead-letters",
        name: "dead-letters",
        component: () => import("./pages/DeadLetters/DeadLettersPage.vue"),
        meta: { title: "Dead letters" }
      }
    ]
  },
  {
    path: "/audit-log",
    name: "audit-log",
    component: () => import("./pages/AuditLog/AuditLogPage.vue"),
    meta: { title: "Audit log" }
  },
  {
    path: "/oidc-configs",
    name: "oidc-configs",
    component: () => import("./pages/OidcConfigs/OidcConfigsPage.vue"),
    meta: { title: "OIDC configs" }
  },
  {
    path: "/organizations",
    name: "organizations",
    component: () => import("./pages/Organizations/OrganizationsPage.vue"),
    meta: { title: "Organizations" }
  },
  {
    path: "/organizations/:orgId",
    name: "organization",
    component: () => import("./pages/Organizations/OrganizationPage.vue"),
    meta: { title: "Organization" }
  },
  {
    path: "/auth/callback",
    name: "auth-callback",
    component: () => import("./pages/Auth/AuthCallbackPage.vue"),
    meta: { public: true, title: "Signing in" }
  },
  {
    path: "/:unknown(.*)*",
    name: "not-found",
    component: () => import("./pages/NotFound/NotFoundPage.vue"),
    meta: { title: "Not found" }
  }
]

/** The browser tab's title for a page or screen titled `title`: "Applications · Pigeon", or just "Pigeon". */
export const documentTitle = (title: string | undefined): string =>
  title === undefined ? "Pigeon" : `${title} · Pigeon`

export const createConsoleRouter = () => {
  const router = createRouter({ history: createWebHistory(), routes })
  router.afterEach((to) => {
    document.title = documentTitle(to.meta.title)
  })
  return router
}
