/**
 * Maps what fastify (or the host's JSON parser) refused onto the browser host's one error shape:
 * a `ContractErrorCode` plus the HTTP status to send it with. Client faults are 4xx with a
 * message that names the fault and never echoes the request; anything else is `internal` (500).
 */
import type { ContractErrorCode } from '../contract/contract.js';

export interface HostHttpRefusal {
  readonly status: number;
  readonly code: ContractErrorCode;
  readonly message: string;
}

/** The command argument is not JSON (raised by the host's content-type parser). */
export class MalformedJsonError extends Error {
  override readonly name = 'MalformedJsonError';
}

function fastifyCode(error: Error): string | undefined {
  return 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function fastifyStatus(error: Error): number | undefined {
  return 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

export function hostHttpRefusal(error: Error, maxBodyBytes: number): HostHttpRefusal {
  if (error instanceof MalformedJsonError) return { status: 400, code: 'invalid-argument', message: error.message };
  switch (fastifyCode(error)) {
    case 'FST_ERR_BAD_URL':
      return { status: 400, code: 'invalid-argument', message: 'the request path is not valid percent-encoding' };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 400, code: 'invalid-argument', message: 'a segment of the request path is too long' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'invalid-argument', message: `request body exceeds ${maxBodyBytes} bytes` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 400, code: 'invalid-argument', message: 'send the command argument as a JSON object with Content-Type: application/json' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'invalid-argument', message: 'the request body does not match its Content-Length' };
    default:
      break;
  }
  const status = fastifyStatus(error);
  if (status !== undefined && status >= 400 && status < 500) return { status: 400, code: 'invalid-argument', message: `the request was refused: ${error.message}` };
  return { status: 500, code: 'internal', message: 'the request failed inside the terminal; the details are in the log' };
}
