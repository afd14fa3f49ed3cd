import { Either } from "effect"
import { BadRequest } from "../Domain/Errors.js"
import { maxSigningSecrets } from "./SigningSecret.js"

/** SPEC §4.4 rotate: the new secret goes first, unless the endpoint already has the most it may hold. */
export const withNewSecret = (
  secrets: ReadonlyArray<string>,
  secret: string
): Either.Either<ReadonlyArray<string>, BadRequest> =>
  secrets.length >= maxSigningSecrets
    ? Either.left(
        new BadRequest({
          message: `the endpoint already has ${maxSigningSecrets} signing secrets; revoke one before rotating`
        })
      )
    : Either.right([secret, ...secrets])

/** SPEC §4.4 revoke: never the last secret (checked first), and only an index that exists. */
export const withoutSecret = (
  secrets: ReadonlyArray<string>,
  index: number
): Either.Either<ReadonlyArray<string>, BadRequest> => {
  if (secrets.length <= 1) return Either.left(new BadRequest({ message: "cannot revoke the last signing secret" }))
  if (index >= secrets.length) {
    return Either.left(
      new BadRequest({ message: `index: must be below ${secrets.length}, the number of signing secrets` })
    )
  }
  return Either.right(secrets.filter((_, position) => position !== index))
}
