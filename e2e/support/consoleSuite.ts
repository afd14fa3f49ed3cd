import { afterAll, beforeAll } from "vitest"
import { type ConsoleBrowser, launchConsoleBrowser } from "./browser.js"
import { type PigeonDev, startPigeonDev } from "./pigeonDev.js"
import { type Receiver, startReceiver } from "./receiver.js"

export interface ConsoleSuite {
  readonly pigeon: PigeonDev
  readonly receiver: Receiver
  readonly browser: ConsoleBrowser
}

/**
 * One `pigeon dev`, one loopback receiver and one browser for the test file that calls it (in its top level). They
 * start in beforeAll and are all stopped in afterAll, even when one of them failed to start or stop.
 */
export const useConsoleSuite = (): (() => ConsoleSuite) => {
  let pigeon: PigeonDev | undefined
  let receiver: Receiver | undefined
  let browser: ConsoleBrowser | undefined

  beforeAll(async () => {
    receiver = await startReceiver()
    pigeon = await startPigeonDev()
    browser = await launchConsoleBrowser(pigeon.baseUrl)
  })

  afterAll(async () => {
    const stops = [browser?.close(), receiver?.stop(), pigeon?.stop()]
    const failures = (await Promise.allSettled(stops)).filter((result) => result.status === "rejected")
    if (failures.length > 0) {
      throw new AggregateError(
        failures.map((failure) => failure.reason),
        "stopping the console suite failed"
      )
    }
  })

  return () => {
    if (pigeon === undefined || receiver === undefined || browser === undefined) {
      throw new Error("the console suite did not start (see the beforeAll failure)")
    }
    return { pigeon, receiver, browser }
  }
}
