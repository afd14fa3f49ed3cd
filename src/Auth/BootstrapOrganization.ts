import { Context, type Option } from "effect"

/**
 * The id of the bootstrap organization, which is also the admin organization (SPEC §3.5); `None`
 * when bootstrap is disabled, and then every admin route is forbidden. Resolved once at start:
 * the organization cannot be deleted, so the id never changes while the process runs.
 */
export class BootstrapOrganization extends Context.Tag("BootstrapOrganization")<
  BootstrapOrganization,
  Option.Option<string>
>() {}
