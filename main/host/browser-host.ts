/**
 * Browser mode: serves the built renderer and the contract over HTTP + WebSocket on loopback.
 *
 * - Every API call needs `Authorization: Bearer <token>`; the token is random per start and
 *   reaches the page in the URL fragment (never sent to a server, never logged).
 * - Requests whose Host header is not this loopback address are refused (DNS rebinding), and
 *   cross-origin browser requests are refused by their Origin header.
 * - `POST /api/call/<command>` with a JSON object body returns a `CommandResult` as JSON.
 * - `GET /api/events` upgrades to a WebSocket when offered the subprotocols
 *   `terminal-events.v1` and `token.<token>`; it receives every `TerminalEvent` as JSON.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { browserApi, type CommandResult, type ContractErrorCode, type TerminalEvent } from '../contract/contract.js';
import { dispatchCommand } from '../core/command-dispatcher.js';
import type { TerminalCore } from '../core/terminal-core.js';
import { answerLaunchExchange, type LaunchCodeStore } from './launch-code.js';

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

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendError(response: ServerResponse, code: ContractErrorCode, message: string): void {
  const body: CommandResult<never> = { ok: false, error: { code, message, retryable: false } };
  sendJson(response, statusForError[code], body);
}

class BodyTooLargeError extends Error {}

/** Reads the body; past MAXBYTES it keeps draining (the caller is already authenticated) and rejects. */
function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    request.on('end', () => (size > maxBytes ? reject(new BodyTooLargeError(`request body exceeds ${maxBytes} bytes`)) : resolveBody(Buffer.concat(chunks).toString('utf8'))));
    request.on('error', reject);
  });
}

export async function startBrowserHost(options: BrowserHostOptions): Promise<RunningBrowserHost> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const rendererDir = resolve(options.rendererDir);
  const { core, logger } = options;
  let origin = '';
  let allowedHosts = new Set<string>();

  const hostAllowed = (request: IncomingMessage) => allowedHosts.has(String(request.headers.host ?? '').toLowerCase());
  const originAllowed = (request: IncomingMessage) => request.headers.origin === undefined || request.headers.origin === origin;
  const tokenFromHeader = (request: IncomingMessage) => {
    const match = /^Bearer (\S+)$/.exec(String(request.headers.authorization ?? ''));
    return match?.[1] ?? '';
  };

  const securityHeaders = () => ({
    'content-security-policy': contentSecurityPolicy(origin),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  });

  const serveStatic = (request: IncomingMessage, response: ServerResponse, pathname: string) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    let file = join(rendererDir, relative);
    if (!file.startsWith(rendererDir + sep) && file !== rendererDir) {
      response.writeHead(404).end();
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) file = join(rendererDir, 'index.html');
    if (!existsSync(file)) {
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`The user interface is not built (${rendererDir} is missing). Run: npm run build:renderer\n`);
      return;
    }
    response.writeHead(200, {
      ...securityHeaders(),
      'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable',
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  };

  const handleCall = async (request: IncomingMessage, response: ServerResponse, command: string) => {
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (!sameSecret(tokenFromHeader(request), token)) {
      sendError(response, 'unauthenticated', 'missing or wrong API token (send Authorization: Bearer <token>)');
      return;
    }
    if (!/^application\/json\b/i.test(String(request.headers['content-type'] ?? ''))) {
      sendError(response, 'invalid-argument', 'send the command argument as a JSON object with Content-Type: application/json');
      return;
    }
    let input: unknown;
    try {
      const text = await readBody(request, maxBodyBytes);
      input = text.length === 0 ? {} : JSON.parse(text);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendJson(response, 413, { ok: false, error: { code: 'invalid-argument', message: error.message, retryable: false } });
      } else {
        sendError(response, 'invalid-argument', `the request body is not a JSON object: ${(error as Error).message}`);
      }
      return;
    }
    const result = await dispatchCommand(core.handlers, command, input, { transport: 'browser-http' }, logger);
    sendJson(response, result.ok ? 200 : statusForError[result.error.code], result);
  };

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://placeholder');
    if (!hostAllowed(request)) {
      sendError(response, 'forbidden', 'requests must address the terminal by its loopback address');
      return;
    }
    if (!originAllowed(request)) {
      sendError(response, 'forbidden', 'cross-origin requests are refused');
      return;
    }
    if (url.pathname === '/api/health') {
      sendJson(response, 200, { ok: true });
      return;
    }
    if (url.pathname === browserApi.launchPath && options.launchCodes && request.method === 'POST') {
      const store = options.launchCodes;
      readBody(request, 1024)
        .then((text) => {
          const answer = answerLaunchExchange({ store, token, body: JSON.parse(text) as unknown, connection: { serverPort: request.socket.localPort ?? 0, clientAddress: request.socket.remoteAddress ?? '', clientPort: request.socket.remotePort ?? 0 } });
          if (answer.outcome !== 'redeemed') logger.warn({ outcome: answer.outcome }, 'launch code refused');
          sendJson(response, answer.status, answer.body);
        })
        .catch((error: unknown) => {
          if (error instanceof SyntaxError || error instanceof BodyTooLargeError) {
            sendError(response, 'invalid-argument', 'send {"code": "<launch code>"} as a JSON body of at most 1 KB');
            return;
          }
          logger.error({ err: error }, 'launch code exchange failed');
          sendError(response, 'internal', 'the launch code exchange failed inside the terminal; the details are in the log');
        });
      return;
    }
    if (url.pathname.startsWith(browserApi.callPathPrefix)) {
      handleCall(request, response, decodeURIComponent(url.pathname.slice(browserApi.callPathPrefix.length))).catch((error: unknown) => {
        logger.error({ err: error }, 'browser host call failed');
        if (!response.headersSent) sendError(response, 'internal', 'the call failed inside the terminal; the details are in the log');
      });
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      sendError(response, 'not-found', `no API endpoint ${url.pathname}`);
      return;
    }
    serveStatic(request, response, url.pathname);
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (protocols) => (protocols.has(browserApi.eventsProtocol) ? browserApi.eventsProtocol : false),
  });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((part) => part.trim());
    const tokenOffer = offered.find((part) => part.startsWith(browserApi.tokenProtocolPrefix))?.slice(browserApi.tokenProtocolPrefix.length) ?? '';
    if (url.pathname !== browserApi.eventsPath || !hostAllowed(request) || !originAllowed(request) || !sameSecret(tokenOffer, token)) {
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

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  const hostText = options.host === '::1' ? '[::1]' : options.host;
  origin = `http://${hostText}:${address.port}`;
  allowedHosts = new Set([`${hostText}:${address.port}`, `localhost:${address.port}`]);
  logger.info({ origin }, 'browser host listening');

  return {
    origin,
    token,
    pageUrl: `${origin}/#token=${token}`,
    close: () =>
      new Promise((resolveClose) => {
        for (const client of sockets.clients) client.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
