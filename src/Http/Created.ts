import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { Option, Schema, SchemaAST } from "effect"

/**
 * A success schema answered with 201. Setting a status through `addSuccess(schema, { status })`
 * re-annotates the schema without its identifier, so the OpenAPI document would inline it instead of
 * naming the component (SPEC §4.1 keeps the 1.x names); this keeps the name.
 */
export const created = <A, I, R>(schema: Schema.Schema<A, I, R>): Schema.Schema<A, I, R> =>
  schema.annotations(
    HttpApiSchema.annotations({
      status: 201,
      ...Option.match(SchemaAST.getIdentifierAnnotation(schema.ast), {
        onNone: () => ({}),
        onSome: (identifier) => ({ identifier })
      })
    })
  )
