import * as HttpApi from "@effect/platform/HttpApi"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import { Context, Option } from "effect"
import { AuditCommand } from "../Audit/AuditCommand.js"

/** A route as a template (`/api/v1/applications/{app_id}`) and the methods defined on it. */
export interface RouteTemplate {
  readonly template: string
  readonly methods: ReadonlyArray<string>
  /** The audit command of each mutating method (SPEC §3.7). */
  readonly commands: ReadonlyMap<string, string>
  /** The methods that take a JSON body here (SPEC §2.6). */
  readonly bodies: ReadonlySet<string>
}

export interface RouteMatch {
  readonly template: string
  /** The methods defined on that path, for `405` and its `allow` header. */
  readonly allow: ReadonlyArray<string>
  readonly commands: ReadonlyMap<string, string>
  readonly bodies: ReadonlySet<string>
}

export interface RouteDefinition {
  readonly method: string
  readonly path: string
  readonly command?: string | undefined
  readonly takesBody?: boolean | undefined
}

/**
 * Every route the server answers, known up front, so that one place can tell an unknown path
 * (404) from a known path with another method (405), and label metrics with the template instead
 * of the raw path (so that scanners cannot create new series).
 */
export interface RouteTable {
  readonly routes: ReadonlyArray<RouteTemplate>
  readonly match: (path: string) => RouteMatch | undefined
}

interface CompiledRoute {
  readonly segments: ReadonlyArray<string | null>
  readonly route: RouteTemplate
}

const compile = (route: RouteTemplate): CompiledRoute => ({
  route,
  segments: route.template.split("/").map((segment) => (segment.startsWith("{") ? null : segment))
})

/** `/a/:id/b` (the router's syntax) as `/a/{id}/b` (the OpenAPI and metrics syntax). */
const toTemplate = (path: string) => path.replace(/:(\w+)/g, "{$1}")

export const makeRouteTable = (routes: ReadonlyArray<RouteDefinition>) => {
  const byTemplate = new Map<string, { methods: Array<string>; commands: Map<string, string>; bodies: Set<string> }>()
  for (const { command, method, path, takesBody } of routes) {
    const template = toTemplate(path)
    const entry = byTemplate.get(template) ?? { methods: [], commands: new Map<string, string>(), bodies: new Set() }
    if (!entry.methods.includes(method)) entry.methods.push(method)
    if (command !== undefined) entry.commands.set(method, command)
    if (takesBody === true) entry.bodies.add(method)
    byTemplate.set(template, entry)
  }
  const table: ReadonlyArray<RouteTemplate> = [...byTemplate].map(([template, entry]) => ({ template, ...entry }))
  // Literal segments win over parameters, so `/health/ready` never matches a `/health/{x}` route.
  const compiled = table.map(compile).sort((a, b) => literalCount(b) - literalCount(a))

  const match = (path: string): RouteMatch | undefined => {
    const segments = path.split("/")
    for (const candidate of compiled) {
      if (candidate.segments.length !== segments.length) continue
      const matches = candidate.segments.every((expected, i) =>
        expected === null ? segments[i] !== "" : expected === segments[i]
      )
      if (matches) {
        const { bodies, commands, methods, template } = candidate.route
        return { template, allow: methods, commands, bodies }
      }
    }
    return undefined
  }

  return { routes: table, match } satisfies RouteTable
}

const literalCount = (route: CompiledRoute) => route.segments.filter((segment) => segment !== null).length

/** The routes of an HttpApi definition, plus routes served beside it (docs, the OpenAPI document). */
export const routesOf = <Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, E, R>(
  api: HttpApi.HttpApi<Id, Groups, E, R>
) => {
  const routes: Array<RouteDefinition> = []
  HttpApi.reflect(api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) =>
      routes.push({
        method: endpoint.method,
        path: endpoint.path,
        command: Option.getOrUndefined(Context.getOption(endpoint.annotations, AuditCommand)),
        takesBody: Option.isSome(endpoint.payloadSchema)
      })
  })
  return routes
}
