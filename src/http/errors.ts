/**
 * Every error maps to a status and an OperationOutcome here, once. 4xx messages
 * name the problem (they never echo request data beyond field names); 5xx bodies
 * are generic; 401 has no body at all.
 */
import type { OperationOutcome } from 'fhir/r4';
import { DataUnavailableError, PrefetchShapeError } from '../cds/prefetch';
import { RequestValidationError } from '../cds/request';
import { UnknownCardsError, UnknownSuggestionsError } from '../feedback/service';
import { StoreError } from '../store/types';
import { WorklistInputError } from '../worklist/input';
import { AuthenticationError } from './auth/middleware';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly issueCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface MappedError {
  status: number;
  /** Absent for 401: nothing that could help an attacker. */
  body?: OperationOutcome;
  headers?: Record<string, string>;
  /** Safe to log: no request content. */
  logMessage: string;
}

/** body-parser's error types (express.json). Their messages can quote the body, so they are replaced. */
const BODY_PARSER_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'entity.parse.failed': {
    status: 400,
    code: 'structure',
    message: 'the request body is not valid JSON',
  },
  'entity.too.large': {
    status: 413,
    code: 'too-costly',
    message: 'the request body is larger than the limit',
  },
  'encoding.unsupported': {
    status: 415,
    code: 'not-supported',
    message: 'the request body encoding is not supported',
  },
  'charset.unsupported': {
    status: 415,
    code: 'not-supported',
    message: 'the request body charset must be utf-8',
  },
  'request.aborted': {
    status: 400,
    code: 'incomplete',
    message: 'the request body was not received completely',
  },
  'request.size.invalid': {
    status: 400,
    code: 'incomplete',
    message: 'the request body does not match its Content-Length',
  },
};

export function mapError(error: unknown): MappedError {
  if (error instanceof HttpError) return outcome(error.status, error.issueCode, error.message);
  if (error instanceof AuthenticationError) {
    return {
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="fls-cds-hooks"' },
      logMessage: error.message,
    };
  }
  if (error instanceof UnknownCardsError || error instanceof UnknownSuggestionsError) {
    return outcome(422, 'not-found', error.message);
  }
  if (error instanceof StoreError) {
    return {
      ...outcome(503, 'transient', 'the feedback store is unavailable; try again later'),
      logMessage: `store failure: ${error.operation}${error.causeCode ? ` (${error.causeCode})` : ''}`,
    };
  }
  if (error instanceof RequestValidationError || error instanceof PrefetchShapeError) {
    return outcome(400, 'invalid', error.message);
  }
  if (error instanceof WorklistInputError) return outcome(400, 'invalid', error.message);
  if (error instanceof DataUnavailableError) return outcome(412, 'incomplete', error.message);
  const type =
    typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && BODY_PARSER_ERRORS[type]) {
    const known = BODY_PARSER_ERRORS[type];
    return outcome(known.status, known.code, known.message);
  }
  // The router's for a path parameter like `%zz`; its message quotes the path, so it is replaced.
  if (error instanceof URIError) {
    return outcome(400, 'invalid', 'the request path is not valid percent-encoding');
  }
  const name = error instanceof Error ? error.name : typeof error;
  return { ...outcome(500, 'exception', 'internal error'), logMessage: `unexpected ${name}` };
}

function outcome(status: number, code: string, message: string): MappedError {
  return {
    status,
    body: {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: code as 'invalid', diagnostics: message }],
    },
    logMessage: message,
  };
}
