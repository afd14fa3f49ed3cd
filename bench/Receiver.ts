/** The benchmark's side of the receiver process: starts it, and asks it to listen, count and summarise. */
import { fork, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import { withTimeLimit } from "./Clock.js"
import type { Envelope, PortMode, ReceiverReplies, ReceiverRequest, Reply } from "./ReceiverProtocol.js"

type Op = ReceiverRequest["op"]

export interface Receiver {
  readonly pid: number
  readonly call: <K extends Op>(request: Extract<ReceiverRequest, { readonly op: K }>) => Promise<ReceiverReplies[K]>
  /** Listens on one port per mode (closing the previous ones) and answers the port numbers. */
  readonly listen: (modes: ReadonlyArray<PortMode>) => Promise<ReadonlyArray<number>>
  readonly close: () => Promise<void>
}

/** Replies that take longer mean the receiver is stuck; `waitFor` adds its own timeout to this. */
const replyLimitMs = 30_000

export const startReceiver = async (): Promise<Receiver> => {
  const entry = fileURLToPath(new URL("./ReceiverMain.js", import.meta.url))
  const child: ChildProcess = fork(entry, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let nextRid = 1

  child.on("message", (reply: Reply) => {
    const waiting = pending.get(reply.rid)
    pending.delete(reply.rid)
    if (reply.ok) waiting?.resolve(reply.value)
    else waiting?.reject(new Error(`receiver: ${reply.error}`))
  })
  child.on("exit", () => {
    for (const waiting of pending.values()) waiting.reject(new Error("the receiver process exited"))
    pending.clear()
  })

  const call = <K extends Op>(request: Extract<ReceiverRequest, { readonly op: K }>) => {
    const rid = nextRid++
    const asked: ReceiverRequest = request
    const extra = asked.op === "waitFor" ? asked.timeoutMs : 0
    const reply = new Promise<unknown>((resolve, reject) => {
      pending.set(rid, { resolve, reject })
      child.send({ rid, request } satisfies Envelope)
    })
    // The child answers each request with the value its op promises (ReceiverReplies).
    return withTimeLimit(`receiver ${request.op}`, replyLimitMs + extra, reply) as Promise<ReceiverReplies[K]>
  }

  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    await call({ op: "close" }).catch(() => undefined)
    await withTimeLimit("receiver exit", 5_000, exited).catch(() => child.kill("SIGKILL"))
  }

  return {
    pid: child.pid ?? -1,
    call,
    listen: async (modes) => (await call({ op: "listen", modes })).ports,
    close
  }
}
