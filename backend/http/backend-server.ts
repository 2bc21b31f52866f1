/**
 * The reference backend's HTTP server (node:http, JSON): routing, body limits, request
 * authentication, response signing and error mapping. The business logic lives in the services it
 * is given; this file only translates HTTP to calls and results/`BackendError`s back to HTTP.
 *
 * Contracts:
 * - Never crashes on input: every request ends in a JSON answer; a malformed URL, JSON body,
 *   wrong content type, oversized body, unknown field or parameter is a typed 4xx error; anything
 *   unexpected is logged and answered `internal` (500).
 * - Every response carries `x-backend-time-ms`; a response to a request naming an enrolled
 *   terminal is signed with that terminal's secret and bound to its nonce (request-signing.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { signingHeaders, signResponse } from '../../sync/protocol/request-signing.js';
import type { SettlementReconciler } from '../services/settlement-reconciler.js';
import type { EnrolledTerminal, TerminalRegistry } from '../services/terminal-registry.js';

export interface BackendServices {
  readonly clock: Clock;
  readonly registry: TerminalRegistry;
  readonly payments: PaymentService;
  readonly events: EventFeed;
  readonly journal: JournalIngest;
  readonly distribution: DistributionStore;
  readonly settlements: SettlementReconciler;
  /** Present when the sandbox wallet endpoints are enabled. */
  readonly sandbox?: SandboxWalletProvider | undefined;
  /** Providers that accept async notifications on `POST /notify/<provider>`. */
  readonly providers: ReadonlyMap<string, PaymentProvider>;
  /** Where unexpected failures are reported (never the request body or secrets). */
  readonly logError: (message: string, error: unknown) => void;
}

interface HandlerContext {
  readonly terminal: EnrolledTerminal | undefined;
  readonly body: unknown;
  readonly rawBody: Buffer;
  readonly contentType: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
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

type Handler = (context: HandlerContext) => Promise<HandlerResult> | HandlerResult;

interface Route {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
  readonly signed: boolean;
  /** Query parameters the route accepts; any other is `bad-request`. */
  readonly query: readonly string[];
  /** JSON body required (POST routes except notifications). */
  readonly json: boolean;
  readonly handler: Handler;
}

function compile(path: string): { pattern: RegExp; paramNames: string[] } {
  const paramNames: string[] = [];
  const source = path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    paramNames.push(name);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}$`), paramNames };
}

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw BackendError.fromZod(what, result.error);
  return result.data;
}

function requireTerminal(context: HandlerContext): EnrolledTerminal {
  if (!context.terminal) throw new BackendError('unauthenticated', 'this request must be signed');
  return context.terminal;
}

function clientIdParam(context: HandlerContext, name: string): string {
  return parse(clientIdSchema, context.params[name], `path parameter ${name}`);
}

export class BackendServer {
  private readonly routes: Route[] = [];
  private readonly openPolls = new Set<AbortController>();

  private constructor(
    private readonly services: BackendServices,
    private readonly server: Server,
  ) {
    this.defineRoutes();
  }

  /** Starts listening; `port` 0 picks a free port (read it from `url`). */
  static async start(services: BackendServices, listen: { host: string; port: number }): Promise<BackendServer> {
    const server = createServer();
    const backend = new BackendServer(services, server);
    server.headersTimeout = 10_000;
    server.requestTimeout = 60_000;
    // Idle keep-alive sockets outlive the clients' own idle timeout (undici: 4 s), so it is always
    // the terminal that closes an idle connection: the server never closes one just as a terminal
    // (whose event loop may be busy with a journal write) sends a request on it.
    server.keepAliveTimeout = 65_000;
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      backend.handle(request, response).catch((error: unknown) => {
        services.logError('request handling failed after the response started', error);
        response.destroy();
      });
    });
    server.on('clientError', (_error, socket) => {
      // Unparseable HTTP (bad request line, oversized headers): answer 400 and drop the socket.
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return backend;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /**
   * Stops accepting, ends long-polls and waits up to `graceMs` for open requests to finish; then
   * closes every connection. Keep-alive sockets (held 65 s, see above) never delay a stop.
   */
  async close(graceMs = 2_000): Promise<void> {
    for (const poll of this.openPolls) poll.abort();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
      // Sockets that go idle once their ended long-poll has answered.
      setImmediate(() => this.server.closeIdleConnections());
      setTimeout(() => this.server.closeAllConnections(), graceMs).unref();
    });
  }

  private route(name: BackendRouteName, handler: Handler, options: { query?: readonly string[]; json?: boolean } = {}): void {
    const spec = backendRoutes[name];
    const { pattern, paramNames } = compile(spec.path);
    this.routes.push({ method: spec.method, pattern, paramNames, signed: spec.signed, query: options.query ?? [], json: options.json ?? spec.method === 'POST', handler });
  }

  private defineRoutes(): void {
    const { registry, payments, events, journal, distribution, settlements, sandbox, clock } = this.services;
    const now = () => clock.nowMs();

    this.route('health', () => ({ status: 200, body: { status: 'ok', serverTimeMs: now(), apiVersion: 1 } }));

    this.route('enroll', ({ body }) => {
      const request = parse(enrollRequestSchema, body, 'enrollment request');
      const terminal = registry.enroll(request.code);
      return { status: 201, body: { terminalId: terminal.id, terminalName: terminal.name, terminalSecret: terminal.secret, serverTimeMs: now() } };
    });

    this.route('terminalInfo', (context) => {
      const terminal = requireTerminal(context);
      return { status: 200, body: { terminalId: terminal.id, terminalName: terminal.name, enrolledAtMs: terminal.enrolledAtMs, serverTimeMs: now() } };
    });

    this.route('createMerchantPresented', async (context) => {
      const request = parse(createMerchantPresentedRequestSchema, context.body, 'merchant-presented payment');
      const { payment, created } = await payments.createMerchantPresented(requireTerminal(context), request);
      return { status: created ? 201 : 200, body: { payment, serverTimeMs: now() } };
    });

    this.route('payWithCustomerCode', async (context) => {
      const request = parse(payWithCustomerCodeRequestSchema, context.body, 'customer-presented payment');
      const { payment, created } = await payments.payWithCustomerCode(requireTerminal(context), request);
      return { status: created ? 201 : 200, body: { payment, serverTimeMs: now() } };
    });

    this.route('getPayment', async (context) => {
      const payment = await payments.getPayment(requireTerminal(context), clientIdParam(context, 'paymentId'));
      return { status: 200, body: { payment, serverTimeMs: now() } };
    });

    this.route('cancelPayment', async (context) => {
      const request = parse(cancelPaymentRequestSchema, context.body, 'cancel request');
      const payment = await payments.cancel(requireTerminal(context), clientIdParam(context, 'paymentId'), request);
      return { status: 200, body: { payment, serverTimeMs: now() } };
    });

    this.route('createRefund', async (context) => {
      const paymentId = clientIdParam(context, 'paymentId');
      const request = parse(createRefundRequestSchema, context.body, 'refund request');
      const { refund, payment, created } = await payments.refund(requireTerminal(context), paymentId, request);
      return { status: created ? 201 : 200, body: { refund, payment, serverTimeMs: now() } };
    });

    this.route('getRefund', (context) => {
      const result = payments.getRefund(requireTerminal(context), clientIdParam(context, 'paymentId'), clientIdParam(context, 'refundId'));
      return { status: 200, body: { ...result, serverTimeMs: now() } };
    });

    this.route(
      'events',
      async (context) => {
        const query = parse(eventsQuerySchema, Object.fromEntries(context.query), 'event query');
        const result = await events.poll(requireTerminal(context).id, query.after, query.waitMs, context.abort);
        return { status: 200, body: { ...result, serverTimeMs: now() } };
      },
      { query: ['after', 'waitMs'] },
    );

    this.route('uploadJournal', (context) => {
      const batch = parse(journalBatchRequestSchema, context.body, 'journal batch');
      return { status: 200, body: { results: journal.ingest(requireTerminal(context).id, batch), serverTimeMs: now() } };
    });

    this.route(
      'distribution',
      (context) => {
        requireTerminal(context);
        const kind = parse(distributionKindSchema, context.params['kind'], 'distribution kind');
        const latest = distribution.latest(kind);
        if (!latest) throw new BackendError('not-found', `no ${kind} has been published yet`);
        const etag = `"${latest.version}"`;
        const versionParam = context.query.get('version');
        if (versionParam !== null && !/^\d{1,12}$/.test(versionParam)) throw new BackendError('bad-request', 'version must be a whole number');
        const ifNoneMatch = context.headers['if-none-match'];
        const held = (ifNoneMatch ?? '').split(',').map((tag) => tag.trim().replace(/^W\//, ''));
        if (held.includes(etag) || held.includes('*') || (versionParam !== null && Number(versionParam) === latest.version)) {
          return { status: 304, body: null, headers: { etag } };
        }
        return { status: 200, body: { ...latest, serverTimeMs: now() }, headers: { etag } };
      },
      { query: ['version'] },
    );

    this.route('settle', (context) => {
      const batch = parse(settlementBatchRequestSchema, context.body, 'settlement batch');
      return { status: 200, body: settlements.settle(requireTerminal(context).id, batch) };
    });

    this.route('sandboxWalletPay', async (context) => {
      if (!sandbox) throw new BackendError('not-found', 'the sandbox wallet is disabled on this backend');
      const request = parse(sandboxWalletPayRequestSchema, context.body, 'sandbox wallet payment');
      const outcome = sandbox.walletPays(request);
      if ('error' in outcome) throw new BackendError('bad-request', outcome.error);
      // Push at once: the backend learns of the payment like it would from a provider notification.
      await payments.refreshById(outcome.paymentId);
      return { status: 200, body: { ...outcome, serverTimeMs: now() } };
    });

    this.route('sandboxWalletCode', (context) => {
      if (!sandbox) throw new BackendError('not-found', 'the sandbox wallet is disabled on this backend');
      const request = parse(sandboxWalletCodeRequestSchema, context.body, 'sandbox code request');
      return { status: 201, body: { ...sandbox.issueCustomerCode(request), serverTimeMs: now() } };
    });

    // Provider notifications (Alipay async notify): verified by the provider, then a query confirms.
    const { pattern, paramNames } = compile('/notify/:provider');
    this.routes.push({
      method: 'POST',
      pattern,
      paramNames,
      signed: false,
      query: [],
      json: false,
      handler: async (context) => {
        const name = parse(providerNameSchema, context.params['provider'], 'provider');
        const provider = this.services.providers.get(name);
        if (!provider?.parseNotification) throw new BackendError('not-found', `the provider "${name}" takes no notifications here`);
        const result = await provider.parseNotification({ contentType: context.contentType, body: context.rawBody.toString('utf8') });
        if (result.outcome === 'rejected') throw new BackendError('bad-request', `notification rejected: ${result.reason}`);
        await payments.refreshById(result.paymentId);
        return { status: 200, body: null, text: result.acknowledgement };
      },
    });
  }

  private send(response: ServerResponse, status: number, body: object | null, signer: { secret: string; nonce: string } | undefined, extraHeaders: Readonly<Record<string, string>> = {}, text?: string): void {
    const serverTimeMs = this.services.clock.nowMs();
    const payload = text !== undefined ? Buffer.from(text, 'utf8') : body === null ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string> = { ...extraHeaders, [signingHeaders.serverTime]: String(serverTimeMs), 'cache-control': 'no-store' };
    if (payload.length > 0) headers['content-type'] = text !== undefined ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
    if (status !== 304) headers['content-length'] = String(payload.length);
    if (signer) headers[signingHeaders.responseSignature] = signResponse(signer.secret, { status, requestNonce: signer.nonce, serverTimeMs, body: payload });
    response.writeHead(status, headers);
    response.end(status === 304 ? undefined : payload);
  }

  private sendError(response: ServerResponse, error: BackendError, signer: { secret: string; nonce: string } | undefined): void {
    const headers: Record<string, string> = error.code === 'payload-too-large' ? { connection: 'close' } : {};
    this.send(response, error.httpStatus, error.toBody(), signer, headers);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let signer: { secret: string; nonce: string } | undefined;
    try {
      let url: URL;
      try {
        url = new URL(request.url ?? '/', 'http://backend.invalid');
      } catch {
        // An unparseable request target is the client's fault; it gets the generic 400 below.
        throw new BackendError('bad-request', 'the request URL cannot be parsed');
      }
      const method = request.method ?? 'GET';
      const matching = this.routes.filter((route) => route.pattern.test(url.pathname));
      if (matching.length === 0) throw new BackendError('not-found', `no such endpoint: ${url.pathname}`);
      const route = matching.find((candidate) => candidate.method === method);
      if (!route) throw new BackendError('method-not-allowed', `${method} is not allowed on ${url.pathname}; use ${matching.map((candidate) => candidate.method).join(' or ')}`);

      const identified = route.signed ? this.services.registry.identify(request.headers) : undefined;
      if (identified) signer = { secret: identified.terminal.secret, nonce: identified.nonce };

      const rawBody = await readBody(request);
      const params: Record<string, string> = {};
      const match = route.pattern.exec(url.pathname);
      route.paramNames.forEach((name, index) => {
        const value = match?.[index + 1] ?? '';
        try {
          params[name] = decodeURIComponent(value);
        } catch {
          // Broken percent-encoding in the path: report it as a bad parameter.
          throw new BackendError('bad-request', `path parameter ${name} is not valid percent-encoding`);
        }
      });
      for (const key of url.searchParams.keys()) {
        if (!route.query.includes(key)) throw new BackendError('bad-request', `unknown query parameter "${key}"${route.query.length ? ` (allowed: ${route.query.join(', ')})` : ''}`);
      }

      const terminal = route.signed ? this.services.registry.authenticate(request.headers, { method, path: request.url ?? '/', body: rawBody }) : undefined;

      const contentType = String(request.headers['content-type'] ?? '');
      let body: unknown = undefined;
      if (route.json) {
        if (!/^application\/json\s*(;|$)/i.test(contentType)) throw new BackendError('unsupported-media-type', 'send the body as JSON with content-type: application/json');
        try {
          body = JSON.parse(rawBody.toString('utf8'));
        } catch (error) {
          throw new BackendError('bad-request', `the body is not valid JSON: ${(error as Error).message}`);
        }
      }

      const abort = new AbortController();
      const onClose = () => abort.abort();
      response.once('close', onClose);
      this.openPolls.add(abort);
      let result: HandlerResult;
      try {
        result = await route.handler({ terminal, body, rawBody, contentType, params, query: url.searchParams, headers: request.headers, abort: abort.signal });
      } finally {
        this.openPolls.delete(abort);
        response.off('close', onClose);
      }
      if (response.destroyed) return;
      this.send(response, result.status, result.body, signer, result.headers, result.text);
    } catch (error) {
      if (response.headersSent || response.destroyed) return;
      if (error instanceof BackendError) {
        this.sendError(response, error, signer);
        return;
      }
      this.services.logError(`unexpected failure handling ${request.method ?? '?'} ${request.url ?? '?'}`, error);
      this.sendError(response, new BackendError('internal', 'the backend failed unexpectedly; the request may be retried'), signer);
    }
  }
}

/** Reads the whole body, refusing more than `maxRequestBodyBytes` with `payload-too-large`. */
function readBody(request: IncomingMessage): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > maxRequestBodyBytes) {
    request.resume();
    return Promise.reject(new BackendError('payload-too-large', `the body is larger than ${maxRequestBodyBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > maxRequestBodyBytes) {
        refused = true;
        chunks.length = 0;
        reject(new BackendError('payload-too-large', `the body is larger than ${maxRequestBodyBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    request.on('error', (error) => {
      if (!refused) reject(new BackendError('bad-request', `the request body could not be read: ${error.message}`));
    });
  });
}
