import { Data } from "effect"

/** The listener could not open (address in use, not permitted): start-up stops with this one line. */
export class ListenError extends Data.TaggedError("ListenError")<{ readonly message: string }> {}

/** Turns the platform's `ServeError` into a sentence naming the address and the reason. */
export const listenError = (address: { readonly host: string; readonly port: number }, cause: unknown) => {
  const reason =
    typeof cause === "object" && cause !== null && "code" in cause && cause.code === "EADDRINUSE"
      ? "the address is already in use (is another Pigeon running? set PIGEON_LISTEN_ADDR)"
      : cause instanceof Error
        ? cause.message
        : String(cause)
  const host = address.host.includes(":") ? `[${address.host}]` : address.host
  return new ListenError({ message: `cannot listen on ${host}:${address.port}: ${reason}` })
}
