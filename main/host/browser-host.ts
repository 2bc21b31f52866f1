/**
 * Browser mode: serves the built renderer and the contract over HTTP + WebSocket on loopback
 * (fastify for HTTP, `ws` on the same server for the event channel).
 *
 * - Every API call needs `Authorization: Bearer <token>`; the token is random per start and
 *   reaches the page in the URL fragment (never sent to a server, never logged).
 * - Requests whose Host header is not this loopback address are refused (DNS rebinding), and
 *   cross-origin browser requests are refused by their Origin header.
 * - `POST /api/call/<command>` with a JSON object body returns a `CommandResult` as JSON.
 * - `GET /api/events` upgrades to a WebSocket when offered the subprotocols
 *   `terminal-events.v1` and `token.<token>`; it receives every `TerminalEvent` as JSON.
 * - Every answer carries the CSP and security headers. Every refusal (bad URL, bad Host or
 *   Origin, missing token, wrong method or content type, malformed JSON, oversized body, unknown
 *   path) is a 4xx `CommandResult` error `{ ok: false, error: { code, message, retryable } }`,
 *   sent at once; nothing a client sends can leave a request unanswered or stop the host.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { browserApi, type CommandResult, type ContractErrorCode, type TerminalEvent } from '../contract/contract.js';
import { dispatchCommand } from '../core/command-dispatcher.js';
import type { TerminalCore } from '../core/terminal-core.js';
import { hostHttpRefusal, MalformedJsonError } from './host-http-refusal.js';
import { answerLaunchExchange, type LaunchCodeStore } from './launch-code.js';
import { queryIsWellEncoded, requestPath } from '../../sync/protocol/request-target.js';

export interface BrowserHostOptions {
  readonly core: TerminalCore;
  readonly logger: Logger;
  readonly host: '127.0.0.1' | '::1';
  readonly port: number;
  /** Folder holding the built renderer (`index.html` and assets). */
  readonly rendererDir: string;
  /** Fixed token for tests; a random one is made when absent. */
  readonly token?: string;
  readonly maxBodyBytes?: number;
  /** One-time codes the page may exchange for the token at `POST /api/launch` (launch-code.ts). */
  readonly launchCodes?: LaunchCodeStore;
}

export interface RunningBrowserHost {
  readonly origin: string;
  readonly token: string;
  /** The address to open: origin plus the token in the fragment. */
  readonly pageUrl: string;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const statusForError: Record<ContractErrorCode, number> = {
  'invalid-argument': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'locked-out': 423,
  internal: 500,
  unavailable: 503,
};

/** Methods answered 405 (with `allow`) on a path that exists for other methods. */
const otherMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export function contentSecurityPolicy(origin: string): string {
  const wsOrigin = origin.replace(/^http/, 'ws');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${wsOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function errorResult(code: ContractErrorCode, message: string): CommandResult<never> {
  return { ok: false, error: { code, message, retryable: false } };
}

/** Sends the one error shape; STATUS defaults to the code's own (405 and 413 pass theirs). */
function sendError(reply: FastifyReply, code: ContractErrorCode, message: string, status = statusForError[code]): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(errorResult(code, message)));
}

export async function startBrowserHost(options: BrowserHostOptions): Promise<RunningBrowserHost> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const rendererDir = resolve(options.rendererDir);
  const { core, logger } = options;
  let origin = '';
  let allowedHosts = new Set<string>();
  let securityHeaders: Readonly<Record<string, string>> = {};

  const hostAllowed = (headers: IncomingHttpHeaders) => allowedHosts.has(String(headers.host ?? '').toLowerCase());
  const originAllowed = (headers: IncomingHttpHeaders) => headers.origin === undefined || headers.origin === origin;
  const tokenFromHeader = (headers: IncomingHttpHeaders) => /^Bearer (\S+)$/.exec(String(headers.authorization ?? ''))?.[1] ?? '';

  const app = Fastify({
    // fastify's own reports (stream failures, misuse) go to the terminal log; requests are not
    // logged, and nothing fastify logs carries a body or a header.
    loggerInstance: logger.child({ component: 'browser-host' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: maxBodyBytes,
    exposeHeadRoutes: false,
    forceCloseConnections: true,
    // Set before fastify sees the request, so every answer carries them: refusals, errors, files.
    serverFactory: (handler) =>
      createServer((request: IncomingMessage, response: ServerResponse) => {
        for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
        handler(request, response);
      }),
    routerOptions: { querystringParser: (query: string) => Object.fromEntries(new URLSearchParams(query)) },
    frameworkErrors: (error, _request, reply) => {
      const classified = hostHttpRefusal(error, maxBodyBytes);
      sendError(reply, classified.code, classified.message, classified.status);
    },
    clientErrorHandler: (error: NodeJS.ErrnoException, socket: Socket) => answerUnparseableRequest(error, socket),
  });

  app.setErrorHandler((error: Error, request, reply) => {
    const classified = hostHttpRefusal(error, maxBodyBytes);
    if (classified.code === 'internal') logger.error({ err: error, method: request.method, path: requestPath(request.url) }, 'browser host request failed');
    sendError(reply, classified.code, classified.message, classified.status);
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, 'not-found', `no such address: ${request.method} ${requestPath(request.url).slice(0, 200)}`);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(request.headers)) return sendError(reply, 'forbidden', 'requests must address the terminal by its loopback address');
    if (!originAllowed(request.headers)) return sendError(reply, 'forbidden', 'cross-origin requests are refused');
    if (!queryIsWellEncoded(request.url)) return sendError(reply, 'invalid-argument', 'the query string is not valid percent-encoding');
    return undefined;
  });

  // A command's argument is one JSON object; an empty body stands for `{}`.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, text.length === 0 ? {} : (JSON.parse(String(text)) as unknown));
    } catch (error) {
      done(new MalformedJsonError(`the request body is not a JSON object: ${(error as Error).message}`), undefined);
    }
  });

  app.get('/api/health', (_request, reply) => reply.header('cache-control', 'no-store').send({ ok: true }));

  // The Chromium window's one-time launch code, exchanged once for the token (launch-code.ts).
  // No bearer token (the page does not have it yet); the Host/Origin checks above still apply.
  if (options.launchCodes) {
    const store = options.launchCodes;
    app.post(browserApi.launchPath, { bodyLimit: 1024 }, async (request, reply) => {
      const socket = request.raw.socket;
      const answer = answerLaunchExchange({
        store,
        token,
        body: request.body,
        connection: { serverPort: socket.localPort ?? 0, clientAddress: socket.remoteAddress ?? '', clientPort: socket.remotePort ?? 0 },
      });
      if (answer.outcome !== 'redeemed') logger.warn({ outcome: answer.outcome }, 'launch code refused');
      return reply.code(answer.status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(answer.body));
    });
  }

  app.post<{ Params: { command: string } }>(`${browserApi.callPathPrefix}:command`, {
    // Before the body is read: an unauthenticated caller never gets its body parsed.
    onRequest: async (request, reply) => {
      if (!sameSecret(tokenFromHeader(request.headers), token)) return sendError(reply, 'unauthenticated', 'missing or wrong API token (send Authorization: Bearer <token>)');
      if (!/^application\/json\b/i.test(String(request.headers['content-type'] ?? ''))) {
        return sendError(reply, 'invalid-argument', 'send the command argument as a JSON object with Content-Type: application/json');
      }
      return undefined;
    },
    handler: async (request, reply) => {
      const result = await dispatchCommand(core.handlers, request.params.command, request.body, { transport: 'browser-http' }, logger);
      return reply
        .code(result.ok ? 200 : statusForError[result.error.code])
        .header('cache-control', 'no-store')
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(result));
    },
  });
  app.route({
    method: otherMethods.filter((method) => method !== 'POST'),
    url: `${browserApi.callPathPrefix}:command`,
    handler: (_request, reply) => sendError(reply.header('allow', 'POST'), 'invalid-argument', 'commands are called with POST', 405),
  });

  const serveRendererFile = (request: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) => {
    const path = requestPath(request.url);
    if (path.startsWith('/api/')) return sendError(reply, 'not-found', `no API endpoint ${path.slice(0, 200)}`);
    if (request.method !== 'GET' && request.method !== 'HEAD') return sendError(reply.header('allow', 'GET, HEAD'), 'invalid-argument', 'the user interface is read with GET', 405);
    // The router has already percent-decoded the wildcard (a bad escape never gets here).
    const wanted = request.params['*'];
    if (wanted.includes('\0')) return sendError(reply, 'invalid-argument', 'the path contains a NUL byte');
    const relative = normalize(wanted).replace(/^([/\\])+/, '');
    let file = join(rendererDir, relative);
    if (!file.startsWith(rendererDir + sep) && file !== rendererDir) return sendError(reply, 'not-found', 'no such file');
    if (!existsSync(file) || !statSync(file).isFile()) file = join(rendererDir, 'index.html');
    if (!existsSync(file)) {
      return reply.code(503).type('text/plain; charset=utf-8').send(`The user interface is not built (${rendererDir} is missing). Run: npm run build:renderer\n`);
    }
    reply
      .code(200)
      .type(contentTypes[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', file.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable');
    return request.method === 'HEAD' ? reply.send() : reply.send(createReadStream(file));
  };
  app.route({ method: [...otherMethods], url: '/*', handler: serveRendererFile });

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (protocols) => (protocols.has(browserApi.eventsProtocol) ? browserApi.eventsProtocol : false),
  });
  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((part) => part.trim());
    const tokenOffer = offered.find((part) => part.startsWith(browserApi.tokenProtocolPrefix))?.slice(browserApi.tokenProtocolPrefix.length) ?? '';
    if (requestPath(request.url) !== browserApi.eventsPath || !hostAllowed(request.headers) || !originAllowed(request.headers) || !sameSecret(tokenOffer, token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) => sockets.emit('connection', client));
  });
  sockets.on('connection', (client: WebSocket) => {
    const send = (event: TerminalEvent) => {
      if (client.readyState === client.OPEN) client.send(JSON.stringify(event));
    };
    send({ name: 'status.changed', payload: core.status() });
    const unsubscribe = core.subscribe(send);
    client.on('close', unsubscribe);
    client.on('error', (error) => logger.warn({ err: error }, 'event socket error'));
    // The UI only listens; anything it sends is ignored.
    client.on('message', () => undefined);
  });

  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address() as AddressInfo;
  const hostText = options.host === '::1' ? '[::1]' : options.host;
  origin = `http://${hostText}:${address.port}`;
  allowedHosts = new Set([`${hostText}:${address.port}`, `localhost:${address.port}`]);
  securityHeaders = {
    'content-security-policy': contentSecurityPolicy(origin),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
  logger.info({ origin }, 'browser host listening');

  return {
    origin,
    token,
    pageUrl: `${origin}/#token=${token}`,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await app.close();
    },
  };
}

/** Unparseable HTTP (bad request line, oversized headers, timeout): a 400 error and the socket closed. */
function answerUnparseableRequest(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorResult('invalid-argument', 'the request is not valid HTTP'));
  socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
