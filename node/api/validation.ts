/**
 * Request validation and error replies. Bodies are validated strictly (no type coercion:
 * `"5"` is not a number, `5` is not a string; unknown fields are refused), while query
 * strings and path parameters, which are text by nature, are coerced to their types.
 * Every error reply is `{statusCode, error, message, field?}` with the offending field
 * named in the message.
 */
import { createRequire } from 'node:module'
import type { Ajv, ValidateFunction } from 'ajv'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler, FastifySerializerCompiler, FastifyServerOptions } from 'fastify'
import type fastJsonStringifyFn from 'fast-json-stringify'

// Ajv, its formats and fast-json-stringify are loaded by the first request that needs them
// (a compiler must be synchronous, hence require): evaluating them costs ~12 ms of startup.
const load = createRequire(import.meta.url)
const loadAjv = (): typeof Ajv => load('ajv').Ajv
// CommonJS modules: the function is the module or its default export
const loadAddFormats = (): (ajv: Ajv) => Ajv => { const m = load('ajv-formats'); return m.default ?? m }
const loadFastJsonStringify = (): typeof fastJsonStringifyFn => { const m = load('fast-json-stringify'); return m.default ?? m }

/** an error a route handler throws to reply with a given status */
export class ApiError extends Error {
  readonly statusCode: number
  readonly field?: string
  constructor (statusCode: number, message: string, field?: string) {
    super(message)
    this.name = 'ApiError'
    this.statusCode = statusCode
    this.field = field
  }
}

export const badRequest = (message: string, field?: string): ApiError => new ApiError(400, message, field)
export const notFound = (what: string): ApiError => new ApiError(404, `${what} not found`)

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

interface AjvIssue {
  keyword: string
  instancePath: string
  params: Record<string, any>
  message?: string
}

const PARTS: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' }

/** "body.human_ids[2]" style path of the field an ajv error is about */
export function issueField (issue: AjvIssue, context?: string): string {
  const segments = issue.instancePath.split('/').slice(1).map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  if (issue.keyword === 'required') segments.push(String(issue.params.missingProperty))
  if (issue.keyword === 'additionalProperties') segments.push(String(issue.params.additionalProperty))
  let path = ''
  for (const s of segments) path += /^\d+$/.test(s) ? `[${s}]` : (path === '' ? s : `.${s}`)
  if (path === '') return PARTS[context ?? ''] ?? 'body'
  return path
}

export function issueMessage (issue: AjvIssue): string {
  switch (issue.keyword) {
    case 'required': return 'is required'
    case 'additionalProperties': return 'is not an allowed field'
    case 'enum': return `must be one of ${(issue.params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`
    default: return issue.message ?? 'is invalid'
  }
}

export function registerErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { field?: string }, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation != null && error.validation.length > 0) {
      const issue = error.validation[0] as unknown as AjvIssue
      const field = issueField(issue, error.validationContext)
      const where = PARTS[error.validationContext ?? ''] ?? 'body'
      return reply.code(400).send({
        statusCode: 400,
        error: 'Bad Request',
        message: `${where} field "${field}" ${issueMessage(issue)}`,
        field
      })
    }
    const status = error.statusCode ?? 500
    if (status >= 500) {
      request.log.error(error)
      return reply.code(status).send({ statusCode: status, error: 'Internal Server Error', message: error.message })
    }
    return reply.code(status).send({
      statusCode: status,
      error: httpErrorName(status),
      message: error.message,
      ...(error.field != null ? { field: error.field } : {})
    })
  })
}

function httpErrorName (status: number): string {
  const names: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Entity',
    429: 'Too Many Requests',
    503: 'Service Unavailable'
  }
  return names[status] ?? 'Error'
}
