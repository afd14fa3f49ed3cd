import { Effect, Random } from "effect"

// Short, friendly words, so that a generated name is easy to read and say (SPEC §4.4: "swift-heron").
const adjectives = (
  "amber bold brave bright calm clever crisp daring eager gentle golden happy humble jolly keen lively " +
  "lucky mellow merry nimble noble plucky proud quick quiet rapid silver steady sunny swift tidy witty"
).split(" ")

const birds = (
  "albatross bluebird bunting condor crane dove eagle egret falcon finch gannet goose heron ibis kestrel kite " +
  "lark magpie merlin osprey owl parrot pelican pigeon plover puffin raven robin sparrow swallow swift wren"
).split(" ")

const pick = (words: ReadonlyArray<string>) =>
  Effect.map(Random.nextIntBetween(0, words.length), (index) => words[index] ?? "")

/** A two-word name for an endpoint created without one, e.g. `swift-heron`. */
export const generateEndpointName: Effect.Effect<string> = Effect.map(
  Effect.all([pick(adjectives), pick(birds)]),
  ([adjective, bird]) => `${adjective}-${bird}`
)
