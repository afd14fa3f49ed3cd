/** The messages a scenario sent, by group, so that the receiver can tell which deliveries never came. */
import type { ExpectedGroup } from "../ReceiverProtocol.js"
import type { Topology } from "../Topology.js"

export class Sends {
  private readonly ids: Array<Array<string>>

  constructor(private readonly topology: Topology) {
    this.ids = topology.groups.map(() => [])
  }

  /** The group message number `seq` belongs to (round robin). */
  groupOf(seq: number) {
    const index = seq % this.topology.groups.length
    return { index, group: this.topology.groups[index]! }
  }

  add(groupIndex: number, id: string) {
    this.ids[groupIndex]!.push(id)
  }

  get count() {
    return this.ids.reduce((sum, list) => sum + list.length, 0)
  }

  /** Deliveries expected at the ports `measured` keeps. */
  expectedDeliveries(measured: (port: number) => boolean) {
    return this.topology.groups.reduce(
      (sum, group, index) => sum + this.ids[index]!.length * group.ports.filter(measured).length,
      0
    )
  }

  expectedGroups(measured: (port: number) => boolean): ReadonlyArray<ExpectedGroup> {
    return this.topology.groups.map((group, index) => ({ ids: this.ids[index]!, ports: group.ports.filter(measured) }))
  }
}
