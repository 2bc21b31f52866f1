/**
 * The reference backend's HTTP server (fastify, JSON): routing, body limits, request
 * authentication, response signing and error mapping. The business logic lives in the services it
 * is given; this file only translates HTTP to calls and results/`BackendError`s back to HTTP.
 *
 * Contracts:
 * - Never crashes on input: every request ends in a JSON answer, at once; a malformed URL or
 *   percent-escape, JSON body, wrong content type, oversized body, unknown field or parameter is
 *   a typed 4xx error in the one shape `{ error: { code, message, retryable } }`; anything
 *   unexpected is logged (never the body) and answered `internal` (500).
 * - A signed request is checked against the exact bytes received (the body is kept as a Buffer
 *   and parsed as JSON only after the signature matched).
 * - Every response carries `x-backend-time-ms`; a response to a signed route's request naming an
 *   enrolled terminal is signed with that terminal's secret and bound to its nonce
 *   (request-signing.ts), refusals included. A request that reaches no route (broken URL, 404,
 *   405) is answered unsigned.
 * - fastify's own logger is off: unexpected failures go to `logError`, never a body or a header.
 * - With `tls` it serves HTTPS only (docs/tls.md); `url` then starts with `https://`.
 * - The `/sandbox/*` routes answer only a request from this machine's loopback that came through
 *   no proxy (`forbidden`, 403) and carries the sandbox key in `x-sandbox-key` (`unauthenticated`,
 *   401); both are checked before the body is read (docs/backend-api.md#sandbox-wallet).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Clock } from '../../kernel/clock.js';
import {
  backendRoutes,
  type BackendRouteName,
  cancelPaymentRequestSchema,
  clientIdSchema,
  createMerchantPresentedRequestSchema,
  createRefundRequestSchema,
  distributionKindSchema,
  enrollRequestSchema,
  eventsQuerySchema,
  journalBatchRequestSchema,
  maxRequestBodyBytes,
  payWithCustomerCodeRequestSchema,
  providerNameSchema,
  sandboxWalletCodeRequestSchema,
  sandboxWalletPayRequestSchema,
  settlementBatchRequestSchema,
} from '../../sync/protocol/backend-api.js';
import { BackendError } from '../services/backend-error.js';
import type { DistributionStore } from '../services/distribution-store.js';
import type { EventFeed } from '../services/event-feed.js';
import type { JournalIngest } from '../services/journal-ingest.js';
import type { PaymentService } from '../services/payment-service.js';
import type { PaymentProvider } from '../acquirers/payment-provider.js';
import type { SandboxWalletProvider } from '../acquirers/sandbox/sandbox-wallet-provider.js';
import { requireSandboxClient } from '../acquirers/sandbox/sandbox-access-key.js';
import { signingHeaders, signResponse } from '../../sync/protocol/request-signing.js';
import type { SettlementReconciler } from '../services/settlement-reconciler.js';
import type { EnrolledTerminal, TerminalRegistry } from '../services/terminal-registry.js';
import { backendErrorFromFastify } from './backend-error-from-fastify.js';
import { queryIsWellEncoded, requestPath } from '../../sync/protocol/request-target.js';

export interface BackendServices {
  readonly clock: Clock;
  readonly registry: TerminalRegistry;
  readonly payments: PaymentService;
  readonly events: EventFeed;
  readonly journal: JournalIngest;
  readonly distribution: DistributionStore;
  readonly settlements: SettlementReconciler;
  /** Present when the sandbox wallet endpoints are enabled, with the key their clients must send. */
  readonly sandbox?: { readonly wallet: SandboxWalletProvider; readonly accessKey: string } | undefined;
  /** Providers that accept async notifications on `POST /notify/<provider>`. */
  readonly providers: ReadonlyMap<string, PaymentProvider>;
  /** Where unexpected failures are reported (never the request body or secrets). */
  readonly logError: (message: string, error: unknown) => void;
}

interface HandlerContext<Body> {
  readonly terminal: EnrolledTerminal | undefined;
  /** The JSON body, validated by the route's body schema (undefined when it has none). */
  readonly body: Body;
  readonly rawBody: Buffer;
  readonly contentType: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly abort: AbortSignal;
}

interface HandlerResult {
  readonly status: number;
  /** null for an empty body (304). */
  readonly body: object | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** Plain-text answer (provider notifications). */
  readonly text?: string;
}

type Handler<Body> = (context: HandlerContext<Body>) => Promise<HandlerResult> | HandlerResult;

interface RouteOptions<Body extends z.ZodType> {
  /** Query parameters the route accepts; any other is `bad-request`. */
  readonly query?: readonly string[];
  /** A JSON body (content-type application/json) validated by SCHEMA; WHAT names it in errors. */
  readonly body?: { readonly schema: Body; readonly what: string };
  /** Checked before the body is read (the sandbox's loopback + key guard); throws a `BackendError` to refuse. */
  readonly guard?: (request: FastifyRequest) => void;
}

/** The route types fastify is told: our parsers make the query a string record and the body a Buffer. */
interface RawRoute {
  Params: Record<string, string>;
  Querystring: Record<string, string>;
  Body: Buffer | undefined;
}

interface Signer {
  readonly secret: string;
  readonly nonce: string;
}

/** Route patterns by method, to tell a wrong method (405) from an unknown path (404). */
interface KnownPath {
  readonly method: string;
  readonly pattern: RegExp;
}

function compile(path: string): RegExp {
  return new RegExp(`^${path.replace(/:[A-Za-z]+/g, '[^/]+')}$`);
}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw BackendError.fromZod(what, result.error);
  return result.data;
}

function requireTerminal(context: { readonly terminal: EnrolledTerminal | undefined }): EnrolledTerminal {
  if (!context.terminal) throw new BackendError('unauthenticated', 'this request must be signed');
  return context.terminal;
}

function clientIdParam(context: { readonly params: Readonly<Record<string, string>> }, name: string): string {
  return parse(clientIdSchema, context.params[name], `path parameter ${name}`);
}

/** Writes ANSWER with the server time, signed for SIGNER when given. */
function sendAnswer(reply: FastifyReply, clock: Clock, answer: HandlerResult, signer: Signer | undefined): FastifyReply {
  const serverTimeMs = clock.nowMs();
  const payload = answer.text !== undefined ? Buffer.from(answer.text, 'utf8') : answer.body === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(answer.body), 'utf8');
  const headers: Record<string, string> = { ...answer.headers, [signingHeaders.serverTime]: String(serverTimeMs), 'cache-control': 'no-store' };
  if (payload.length > 0) headers['content-type'] = answer.text !== undefined ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  if (signer) headers[signingHeaders.responseSignature] = signResponse(signer.secret, { status: answer.status, requestNonce: signer.nonce, serverTimeMs, body: payload });
  reply.code(answer.status).headers(headers);
  return payload.length > 0 ? reply.send(payload) : reply.send();
}

function sendError(reply: FastifyReply, clock: Clock, error: BackendError, signer: Signer | undefined): FastifyReply {
  const headers: Record<string, string> = error.code === 'payload-too-large' ? { connection: 'close' } : {};
  return sendAnswer(reply, clock, { status: error.httpStatus, body: error.toBody(), headers }, signer);
}

/** Unparseable HTTP (bad request line, oversized headers, timeout): a 400 error and the socket closed. */
function answerUnparseableRequest(clock: Clock, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const message = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'the request did not arrive in time' : 'the request is not valid HTTP';
  const body = JSON.stringify(new BackendError('bad-request', message).toBody());
  socket.end(
    `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${signingHeaders.serverTime}: ${clock.nowMs()}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export class BackendServer {
  private readonly openPolls = new Set<AbortController>();
  private readonly knownPaths: KnownPath[] = [];
  /** The terminal a signed route's request names (looked up before its body is read), to sign every answer to it. */
  private readonly signers = new WeakMap<FastifyRequest, Signer>();

  private constructor(
    private readonly services: BackendServices,
    private readonly app: FastifyInstance,
    private readonly https: boolean,
  ) {
    app.setErrorHandler((error: Error, request, reply) => {
      if (reply.raw.destroyed) return;
      const known = backendErrorFromFastify(error);
      if (!known) services.logError(`unexpected failure handling ${request.method} ${request.url}`, error);
      sendError(reply, services.clock, known ?? new BackendError('internal', 'the backend failed unexpectedly; the request may be retried'), this.signers.get(request));
    });
    app.setNotFoundHandler((request, reply) => {
      const path = requestPath(request.url);
      const allowed = this.knownPaths.filter((known) => known.pattern.test(path)).map((known) => known.method);
      const error =
        allowed.length === 0
          ? new BackendError('not-found', `no such endpoint: ${path.slice(0, 200)}`)
          : new BackendError('method-not-allowed', `${request.method} is not allowed on ${path.slice(0, 200)}; use ${allowed.join(' or ')}`);
      sendError(reply, services.clock, error, undefined);
    });
    // Every body is kept as the exact bytes received: signatures cover them, and JSON is parsed
    // only once the signature matched (the body limit applies to every content type).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    this.defineRoutes();
  }

  /** Starts listening; `port` 0 picks a free port (read it from `url`). With `tls`, HTTPS only. */
  static async start(services: BackendServices, listen: { host: string; port: number; tls?: { certificatePem: string; privateKeyPem: string } | undefined }): Promise<BackendServer> {
    const { clock } = services;
    const options = {
      logger: false,
      bodyLimit: maxRequestBodyBytes,
      exposeHeadRoutes: false,
      // Requests already on a connection are served during a stop (close() bounds the wait).
      return503OnClosing: false,
      requestTimeout: 60_000,
      // Idle keep-alive sockets outlive the clients' own idle timeout (undici: 4 s), so it is always
      // the terminal that closes an idle connection: the server never closes one just as a terminal
      // (whose event loop may be busy with a journal write) sends a request on it.
      keepAliveTimeout: 65_000,
      routerOptions: { querystringParser: (query: string) => Object.fromEntries(new URLSearchParams(query)) },
      frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => sendError(reply, clock, backendErrorFromFastify(error) ?? new BackendError('bad-request', 'the request cannot be routed'), undefined),
      clientErrorHandler: (error: NodeJS.ErrnoException, socket: Socket) => answerUnparseableRequest(clock, error, socket),
    };
    // An HTTPS instance has the same request/reply objects and a server with the same API
    // (https.Server: listen, address, headersTimeout, close*Connections); only its type differs.
    const app = listen.tls ? (Fastify({ ...options, https: { cert: listen.tls.certificatePem, key: listen.tls.privateKeyPem } }) as unknown as FastifyInstance) : Fastify(options);
    app.server.headersTimeout = 10_000;
    const backend = new BackendServer(services, app, listen.tls !== undefined);
    await app.listen({ port: listen.port, host: listen.host });
    return backend;
  }

  get port(): number {
    return (this.app.server.address() as AddressInfo).port;
  }

  get url(): string {
    const address = this.app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${this.https ? 'https' : 'http'}://${host}:${address.port}`;
  }

  /**
   * Stops accepting, ends long-polls and waits up to `graceMs` for open requests to finish; then
   * closes every connection. Keep-alive sockets (held 65 s, see above) never delay a stop.
   */
  async close(graceMs = 2_000): Promise<void> {
    for (const poll of this.openPolls) poll.abort();
    const server = this.app.server;
    const closing = this.app.close();
    server.closeIdleConnections();
    // Sockets that go idle once their ended long-poll has answered.
    setImmediate(() => server.closeIdleConnections());
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    try {
      await closing;
    } finally {
      clearTimeout(force);
    }
  }

  private route<Body extends z.ZodType = z.ZodUndefined>(name: BackendRouteName, options: RouteOptions<Body>, handler: Handler<z.output<Body>>): void {
    const spec = backendRoutes[name];
    this.register(spec.method, spec.path, spec.signed, options, handler);
  }

  /**
   * The one request pipeline: look up the signer (before the body is read), refuse a broken or
   * unknown query parameter, authenticate against the raw bytes, require and parse JSON, validate it, run.
   */
  private register<Body extends z.ZodType>(method: 'GET' | 'POST', url: string, signed: boolean, options: RouteOptions<Body>, handler: Handler<z.output<Body>>): void {
    const { registry, clock } = this.services;
    const allowedQuery = options.query ?? [];
    this.knownPaths.push({ method, pattern: compile(url) });
    this.app.route<RawRoute>({
      method,
      url,
      onRequest: async (request) => {
        options.guard?.(request);
        if (!signed) return;
        const identified = registry.identify(request.headers);
        if (identified) this.signers.set(request, { secret: identified.terminal.secret, nonce: identified.nonce });
      },
      handler: async (request, reply) => {
        if (!queryIsWellEncoded(request.url)) throw new BackendError('bad-request', 'the query string is not valid percent-encoding');
        for (const key of Object.keys(request.query)) {
          if (!allowedQuery.includes(key)) throw new BackendError('bad-request', `unknown query parameter "${key.slice(0, 100)}"${allowedQuery.length ? ` (allowed: ${allowedQuery.join(', ')})` : ''}`);
        }
        const rawBody = request.body ?? Buffer.alloc(0);
        const terminal = signed ? registry.authenticate(request.headers, { method: request.method, path: request.url, body: rawBody }) : undefined;
        const contentType = String(request.headers['content-type'] ?? '');
        let body: z.output<Body> | undefined;
        if (options.body) {
          if (!/^application\/json\s*(;|$)/i.test(contentType)) throw new BackendError('unsupported-media-type', 'send the body as JSON with content-type: application/json');
          let json: unknown;
          try {
            json = JSON.parse(rawBody.toString('utf8'));
          } catch (error) {
            throw new BackendError('bad-request', `the body is not valid JSON: ${(error as Error).message}`);
          }
          body = parse(options.body.schema, json, options.body.what);
        }

        const abort = new AbortController();
        const onClose = () => abort.abort();
        reply.raw.once('close', onClose);
        this.openPolls.add(abort);
        let result: HandlerResult;
        try {
          result = await handler({ terminal, body: body as z.output<Body>, rawBody, contentType, params: request.params, query: request.query, headers: request.headers, abort: abort.signal });
        } finally {
          this.openPolls.delete(abort);
          reply.raw.off('close', onClose);
        }
        // The client went away while the handler ran (an ended long-poll): nobody to answer.
        if (reply.raw.destroyed) return reply.hijack();
        return sendAnswer(reply, clock, result, this.signers.get(request));
      },
    });
  }

  private defineRoutes(): void {
    const { registry, payments, events, journal, distribution, settlements, sandbox, clock } = this.services;
    const now = () => clock.nowMs();

    this.route('health', {}, () => ({ status: 200, body: { status: 'ok', serverTimeMs: now(), apiVersion: 1 } }));

    this.route('enroll', { body: { schema: enrollRequestSchema, what: 'enrollment request' } }, ({ body }) => {
      const terminal = registry.enroll(body.code);
      return { status: 201, body: { terminalId: terminal.id, terminalName: terminal.name, terminalSecret: terminal.secret, serverTimeMs: now() } };
    });

    this.route('terminalInfo', {}, (context) => {
      const terminal = requireTerminal(context);
      return { status: 200, body: { terminalId: terminal.id, terminalName: terminal.name, enrolledAtMs: terminal.enrolledAtMs, serverTimeMs: now() } };
    });

    this.route('createMerchantPresented', { body: { schema: createMerchantPresentedRequestSchema, what: 'merchant-presented payment' } }, async (context) => {
      const { payment, created } = await payments.createMerchantPresented(requireTerminal(context), context.body);
      return { status: created ? 201 : 200, body: { payment, serverTimeMs: now() } };
    });

    this.route('payWithCustomerCode', { body: { schema: payWithCustomerCodeRequestSchema, what: 'customer-presented payment' } }, async (context) => {
      const { payment, created } = await payments.payWithCustomerCode(requireTerminal(context), context.body);
      return { status: created ? 201 : 200, body: { payment, serverTimeMs: now() } };
    });

    this.route('getPayment', {}, async (context) => {
      const payment = await payments.getPayment(requireTerminal(context), clientIdParam(context, 'paymentId'));
      return { status: 200, body: { payment, serverTimeMs: now() } };
    });

    this.route('cancelPayment', { body: { schema: cancelPaymentRequestSchema, what: 'cancel request' } }, async (context) => {
      const payment = await payments.cancel(requireTerminal(context), clientIdParam(context, 'paymentId'), context.body);
      return { status: 200, body: { payment, serverTimeMs: now() } };
    });

    this.route('createRefund', { body: { schema: createRefundRequestSchema, what: 'refund request' } }, async (context) => {
      const { refund, payment, created } = await payments.refund(requireTerminal(context), clientIdParam(context, 'paymentId'), context.body);
      return { status: created ? 201 : 200, body: { refund, payment, serverTimeMs: now() } };
    });

    this.route('getRefund', {}, (context) => {
      const result = payments.getRefund(requireTerminal(context), clientIdParam(context, 'paymentId'), clientIdParam(context, 'refundId'));
      return { status: 200, body: { ...result, serverTimeMs: now() } };
    });

    this.route('events', { query: ['after', 'waitMs'] }, async (context) => {
      const query = parse(eventsQuerySchema, context.query, 'event query');
      const result = await events.poll(requireTerminal(context).id, query.after, query.waitMs, context.abort);
      return { status: 200, body: { ...result, serverTimeMs: now() } };
    });

    this.route('uploadJournal', { body: { schema: journalBatchRequestSchema, what: 'journal batch' } }, (context) => {
      return { status: 200, body: { results: journal.ingest(requireTerminal(context).id, context.body), serverTimeMs: now() } };
    });

    this.route('distribution', { query: ['version'] }, (context) => {
      requireTerminal(context);
      const kind = parse(distributionKindSchema, context.params['kind'], 'distribution kind');
      const latest = distribution.latest(kind);
      if (!latest) throw new BackendError('not-found', `no ${kind} has been published yet`);
      const etag = `"${latest.version}"`;
      const versionParam = context.query['version'];
      if (versionParam !== undefined && !/^\d{1,12}$/.test(versionParam)) throw new BackendError('bad-request', 'version must be a whole number');
      const ifNoneMatch = context.headers['if-none-match'];
      const held = (ifNoneMatch ?? '').split(',').map((tag) => tag.trim().replace(/^W\//, ''));
      if (held.includes(etag) || held.includes('*') || (versionParam !== undefined && Number(versionParam) === latest.version)) {
        return { status: 304, body: null, headers: { etag } };
      }
      return { status: 200, body: { ...latest, serverTimeMs: now() }, headers: { etag } };
    });

    this.route('settle', { body: { schema: settlementBatchRequestSchema, what: 'settlement batch' } }, (context) => {
      return { status: 200, body: settlements.settle(requireTerminal(context).id, context.body) };
    });

    if (sandbox) {
      const guard = (request: FastifyRequest) => requireSandboxClient({ remoteAddress: request.socket.remoteAddress, headers: request.headers }, sandbox.accessKey);
      this.route('sandboxWalletPay', { guard, body: { schema: sandboxWalletPayRequestSchema, what: 'sandbox wallet payment' } }, async (context) => {
        const outcome = sandbox.wallet.walletPays(context.body);
        if ('error' in outcome) throw new BackendError('bad-request', outcome.error);
        // Push at once: the backend learns of the payment like it would from a provider notification.
        await payments.refreshById(outcome.paymentId);
        return { status: 200, body: { ...outcome, serverTimeMs: now() } };
      });
      this.route('sandboxWalletCode', { guard, body: { schema: sandboxWalletCodeRequestSchema, what: 'sandbox code request' } }, (context) => {
        return { status: 201, body: { ...sandbox.wallet.issueCustomerCode(context.body), serverTimeMs: now() } };
      });
    } else {
      const disabled = (): never => {
        throw new BackendError('not-found', 'the sandbox wallet is disabled on this backend');
      };
      this.route('sandboxWalletPay', {}, disabled);
      this.route('sandboxWalletCode', {}, disabled);
    }

    // Provider notifications (Alipay async notify): any content type, verified by the provider, then a query confirms.
    this.register('POST', '/notify/:provider', false, {}, async (context) => {
      const name = parse(providerNameSchema, context.params['provider'], 'provider');
      const provider = this.services.providers.get(name);
      if (!provider?.parseNotification) throw new BackendError('not-found', `the provider "${name}" takes no notifications here`);
      const result = await provider.parseNotification({ contentType: context.contentType, body: context.rawBody.toString('utf8') });
      if (result.outcome === 'rejected') throw new BackendError('bad-request', `notification rejected: ${result.reason}`);
      await payments.refreshById(result.paymentId);
      return { status: 200, body: null, text: result.acknowledgement };
    });
  }
}
