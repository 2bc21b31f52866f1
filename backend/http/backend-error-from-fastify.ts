/**
 * Maps a failure fastify reports before a handler runs (bad URL, body limit, content type,
 * content length, a broken body stream) onto the backend's one error type, `BackendError`.
 * Returns undefined for anything that is not the client's fault: the caller logs it and answers
 * `internal`. Messages name the fault and never echo the request.
 */
import { maxRequestBodyBytes } from '../../sync/protocol/backend-api.js';
import { BackendError } from '../services/backend-error.js';

function fastifyCode(error: Error): string | undefined {
  return 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function fastifyStatus(error: Error): number | undefined {
  return 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

export function backendErrorFromFastify(error: Error): BackendError | undefined {
  if (error instanceof BackendError) return error;
  switch (fastifyCode(error)) {
    case 'FST_ERR_BAD_URL':
      return new BackendError('bad-request', 'the request path is not valid percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new BackendError('bad-request', 'a segment of the request path is too long');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BackendError('payload-too-large', `the body is larger than ${maxRequestBodyBytes} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new BackendError('unsupported-media-type', 'the content-type header cannot be parsed; send JSON with content-type: application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BackendError('bad-request', 'the body does not match its content-length');
    default:
      break;
  }
  const status = fastifyStatus(error);
  if (status !== undefined && status >= 400 && status < 500) return new BackendError('bad-request', `the request was refused: ${error.message}`);
  return undefined;
}
