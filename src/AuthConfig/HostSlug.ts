import { isIP } from "node:net"

/**
 * The organization slug a `Host` header names (SPEC §3.6): its first label, when the host is a
 * name (not an IP address) of three or more labels. Port and trailing dot are removed, case ignored.
 */
export const slugFromHost = (host: string | undefined): string | undefined => {
  if (host === undefined) return undefined
  const withoutPort = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d*$/, "")
  const name = withoutPort.replace(/\.$/, "").toLowerCase()
  if (name.startsWith("[") || isIP(name) !== 0) return undefined
  const labels = name.split(".")
  return labels.length >= 3 ? labels[0] : undefined
}
