/**
 * Request validation and error replies. Bodies are validated strictly (no type coercion:
 * `"5"` is not a number, `5` is not a string; unknown fields are refused), while query
 * strings and path parameters, which are text by nature, are coerced to their types.
 * A failure becomes an error reply in errors.ts.
 */
import { createRequire } from 'node:module'
import { MeshError } from '../../protocol/errors.ts'
import type { Ajv, ValidateFunction } from 'ajv'
import type fastJsonStringifyFn from 'fast-json-stringify'
import type { FastifyInstance, FastifySchemaCompiler, FastifySerializerCompiler, FastifyServerOptions } from 'fastify'

// Ajv, its formats and fast-json-stringify are loaded by the first request that needs them
// (a compiler must be synchronous, hence require): evaluating them costs ~12 ms of startup.
const load = createRequire(import.meta.url)
const loadAjv = (): typeof Ajv => load('ajv').Ajv
// CommonJS modules: the function is the module or its default export
const loadAddFormats = (): (ajv: Ajv) => Ajv => { const m = load('ajv-formats'); return m.default ?? m }
const loadFastJsonStringify = (): typeof fastJsonStringifyFn => { const m = load('fast-json-stringify'); return m.default ?? m }

/** bad input from the client: `field` names it */
export const badRequest = (message: string, field?: string): MeshError => new MeshError('invalid_input', message, { field })
export const notFound = (what: string, field?: string): MeshError => new MeshError('not_found', `${what} not found`, { field })

function makeAjv (coerce: boolean): Ajv {
  const AjvClass = loadAjv()
  const ajv = new AjvClass({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: false,
    // OpenAPI annotations (example, ...) live in the same schemas
    strict: false
  })
  loadAddFormats()(ajv)
  return ajv
}

interface Compilers {
  validator: FastifySchemaCompiler<any>
  serializer: FastifySerializerCompiler<any>
}

function createCompilers (): Compilers {
  // the Ajv instances too are made on the first request that needs one (~5 ms at startup)
  let strict: Ajv | undefined
  let coercing: Ajv | undefined
  return {
    // compile each route's validator on its first request, not at startup: ~45 route
    // schemas cost ~100 ms of CPU before the node could report itself ready
    validator: ({ schema, httpPart }) => {
      let compiled: ValidateFunction | undefined
      const validate = (data: unknown): boolean => {
        compiled ??= httpPart === 'body' ? (strict ??= makeAjv(false)).compile(schema) : (coercing ??= makeAjv(true)).compile(schema)
        const valid = compiled(data) as boolean
        validate.errors = compiled.errors
        return valid
      }
      validate.errors = null as ValidateFunction['errors']
      return validate
    },
    // likewise the response serializers (fast-json-stringify, as Fastify's default)
    serializer: ({ schema }) => {
      let serialize: ((data: unknown) => string) | undefined
      return (data: unknown) => {
        serialize ??= loadFastJsonStringify()(schema as Parameters<typeof fastJsonStringifyFn>[0])
        return serialize(data)
      }
    }
  }
}

/**
 * Fastify's `schemaController` option with these compilers: given at construction, they
 * spare Fastify building its own (loading \@fastify/ajv-compiler) only to replace them.
 */
export function validationSchemaController (): NonNullable<FastifyServerOptions['schemaController']> {
  const compilers = createCompilers()
  // the factory types are \@fastify/ajv-compiler's; Fastify calls what they return exactly
  // as it calls a compiler given to setValidatorCompiler / setSerializerCompiler
  type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>
  return {
    compilersFactory: {
      buildValidator: (() => compilers.validator) as unknown as Factories['buildValidator'],
      buildSerializer: (() => compilers.serializer) as unknown as Factories['buildSerializer']
    }
  }
}

/** the same compilers on an existing instance */
export function registerValidation (app: FastifyInstance): void {
  const compilers = createCompilers()
  app.setValidatorCompiler(compilers.validator)
  app.setSerializerCompiler(compilers.serializer)
}
