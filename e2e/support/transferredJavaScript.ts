import type { Page } from "playwright-core"

export interface TransferredFile {
  readonly url: string
  /** Bytes that came over the network for it (compressed body and headers), as Chromium counts them. */
  readonly transferredBytes: number
  readonly decodedBytes: number
  readonly contentEncoding: string | undefined
}

export interface JavaScriptTransfer {
  /** The scripts that came over the network (not from the cache). */
  readonly files: ReadonlyArray<TransferredFile>
  readonly transferredBytes: number
  readonly decodedBytes: number
}

interface ResponseReceived {
  readonly requestId: string
  readonly type?: string
  readonly response: { readonly url: string; readonly mimeType: string; readonly headers: Record<string, string> }
}

interface DataReceived {
  readonly requestId: string
  readonly dataLength: number
}

interface LoadingFinished {
  readonly requestId: string
  readonly encodedDataLength: number
}

const isJavaScript = (event: ResponseReceived): boolean =>
  event.type === "Script" || /javascript/.test(event.response.mimeType) || /\.m?js(\?|$)/.test(event.response.url)

/**
 * Runs `load` and answers the JavaScript the page fetched meanwhile, with Chromium's own byte counts from the DevTools
 * protocol (`Network.loadingFinished.encodedDataLength`): what crossed the wire, after compression.
 */
export const measureJavaScript = async (page: Page, load: () => Promise<void>): Promise<JavaScriptTransfer> => {
  const cdp = await page.context().newCDPSession(page)
  const scripts = new Map<string, { url: string; contentEncoding: string | undefined; decodedBytes: number }>()
  const files: Array<TransferredFile> = []
  cdp.on("Network.responseReceived", (event: ResponseReceived) => {
    if (!isJavaScript(event)) return
    const headers = Object.fromEntries(
      Object.entries(event.response.headers).map(([name, value]) => [name.toLowerCase(), value])
    )
    scripts.set(event.requestId, {
      url: event.response.url,
      contentEncoding: headers["content-encoding"],
      decodedBytes: 0
    })
  })
  cdp.on("Network.dataReceived", (event: DataReceived) => {
    const script = scripts.get(event.requestId)
    if (script !== undefined) script.decodedBytes += event.dataLength
  })
  cdp.on("Network.loadingFinished", (event: LoadingFinished) => {
    const script = scripts.get(event.requestId)
    if (script !== undefined) files.push({ ...script, transferredBytes: event.encodedDataLength })
  })
  await cdp.send("Network.enable")
  try {
    await load()
  } finally {
    await cdp.detach()
  }
  // A script loaded again from the cache (the sign-in callback is a new document) counts 0 bytes: only the network's.
  const fetched = files.filter((file) => file.transferredBytes > 0)
  return {
    files: fetched,
    transferredBytes: fetched.reduce((sum, file) => sum + file.transferredBytes, 0),
    decodedBytes: fetched.reduce((sum, file) => sum + file.decodedBytes, 0)
  }
}
