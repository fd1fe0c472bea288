/**
 * The API's error replies, in one place: every error a route throws (a MeshError from the
 * core or the API itself, a validation failure, one of Fastify's own `FST_ERR_*`) becomes
 * `{statusCode, code, error, message, field?}` with the status from one table. `code` is
 * stable (docs/api.md lists them); `message` is for people and may change.
 */
import { isMeshError } from '../../protocol/errors.ts'
import type { ErrorCode } from '../../protocol/errors.ts'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** the HTTP status of each core error code */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  ambiguous_id: 409,
  conflict: 409,
  insufficient_pool: 409,
  rate_limited: 429,
  internal: 500,
  route_failed: 502,
  unavailable: 503,
  no_route: 404,
  timeout: 504
}

/** Fastify's own errors (bad JSON, wrong content type, body too large, ...) by status */
const CODE_OF_STATUS: Record<number, string> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable'
}

const STATUS_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout'
}

export interface ErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
  field?: string
}

export function errorBody (status: number, code: string, message: string, field?: string): ErrorBody {
  return { statusCode: status, code, error: STATUS_NAMES[status] ?? 'Error', message, ...(field != null ? { field } : {}) }
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
  if (issue.keyword === 'required') { segments.push(String(issue.params.missingProperty)) }
  if (issue.keyword === 'additionalProperties') { segments.push(String(issue.params.additionalProperty)) }
  let path = ''
  for (const s of segments) { path += /^\d+$/.test(s) ? `[${s}]` : (path === '' ? s : `.${s}`) }
  if (path === '') { return PARTS[context ?? ''] ?? 'body' }
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

/** the status and body for any error a request ended with */
export function toErrorReply (error: FastifyError & { field?: string }): ErrorBody {
  if (error.validation != null && error.validation.length > 0) {
    const issue = error.validation[0] as unknown as AjvIssue
    const field = issueField(issue, error.validationContext)
    const where = PARTS[error.validationContext ?? ''] ?? 'body'
    return errorBody(400, 'invalid_input', `${where} field "${field}" ${issueMessage(issue)}`, field)
  }
  if (isMeshError(error)) {
    const status = HTTP_STATUS[error.code] ?? 500
    return errorBody(status, error.code, error.message, error.field)
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
  if (status >= 500) { return errorBody(500, 'internal', error.message) }
  return errorBody(status, CODE_OF_STATUS[status] ?? 'invalid_input', error.message)
}

export function registerErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { field?: string }, request: FastifyRequest, reply: FastifyReply) => {
    const body = toErrorReply(error)
    if (body.statusCode >= 500 && body.code === 'internal') { request.log.error(error) }
    return reply.code(body.statusCode).send(body)
  })
}
