/**
 * The reference payment backend's HTTP API, typed once: every path, method, request body and
 * response body as a zod schema plus its TypeScript type. The server validates requests with these
 * schemas and the terminal's client validates responses with them; neither side restates a shape.
 *
 * Wire rules (docs/backend-api.md explains them at length):
 * - JSON bodies, UTF-8, `content-type: application/json`; at most `maxRequestBodyBytes`.
 * - Money is an integer count of fen (`amountMinor`), currency `"CNY"`; never a float or decimal.
 * - Times are epoch milliseconds (`…AtMs`); durations carry their unit (`…Ms`).
 * - Request bodies are strict: an unknown field is a `bad-request` error, not silently ignored.
 * - Every response (errors included) carries the header `x-backend-time-ms` (server clock) so the
 *   terminal can show clock skew; responses to signed requests are signed back (request-signing.ts).
 * - Every error has the body `{ error: { code, message, retryable } }` with `code` from the closed
 *   union `BackendErrorCode`; `retryable` says whether sending the SAME request again can help.
 * - Mutations are idempotent by a client-generated id (`paymentId`, `refundId`, `entryId`,
 *   `batchId`): the same id with the same content returns the saved result; the same id with
 *   different content is `idempotency-conflict`.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Limits and common pieces
// ---------------------------------------------------------------------------------------------

/** Largest request body the server reads; larger bodies get `payload-too-large` (413). */
export const maxRequestBodyBytes = 1_048_576;
/** Most outbox entries per journal upload batch. */
export const maxJournalBatchEntries = 500;
/** Longest long-poll wait the server honours for `GET /v1/events`. */
export const maxEventWaitMs = 30_000;
/** Shortest and longest expiry of a merchant-presented QR (docs/payment-rules.md#qr-expiry: up to 2 h). */
export const minQrExpiryMs = 30_000;
export const maxQrExpiryMs = 2 * 60 * 60 * 1000;
export const defaultQrExpiryMs = 5 * 60 * 1000;

/** Client-generated identifiers (payment, refund, entry, batch ids): UUIDs or similar tokens. */
export const clientIdSchema = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" and "-" only');

export const amountMinorSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A payable amount: at least 1 fen, at most CNY 10,000,000.00 (13 EMV characters at most). */
export const payableAmountMinorSchema = z.number().int().min(1).max(1_000_000_000);
export const currencySchema = z.literal('CNY');
export const epochMsSchema = z.number().int().nonnegative();

/** Payment providers the backend can route to. `sandbox` is the built-in sandbox wallet. */
/** Settings key under which wallet public keys (key id → PEM) are distributed to terminals. */
export const offlineWalletKeysSetting = 'offlineWalletPublicKeys';

export const providerNames = ['sandbox', 'alipay'] as const;
export const providerNameSchema = z.enum(providerNames);
export type ProviderName = z.infer<typeof providerNameSchema>;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Closed union of error codes. HTTP status in brackets; `retryable` in the body is authoritative.
 * - bad-request [400]: malformed JSON, wrong types, unknown fields, bad query parameters.
 * - payload-too-large [413], unsupported-media-type [415], not-found [404], method-not-allowed [405].
 * - unauthenticated [401]: signing headers missing or malformed; a sandbox request without the
 *   right sandbox key (`x-sandbox-key`).
 * - forbidden [403]: a sandbox request that does not come from this machine's loopback (or came
 *   through a proxy).
 * - unknown-terminal [401]: no enrolled terminal with that id (or it was revoked).
 * - bad-signature [401]: the HMAC does not match (wrong secret, altered body/path/headers).
 * - stale-timestamp [401]: timestamp outside ±5 min of the server clock; compare
 *   `x-backend-time-ms` and fix the clock. Retryable with a NEW timestamp and nonce.
 * - nonce-reused [401]: the nonce was already used within the window (a replay).
 * - enrollment-code-invalid [400]: unknown, expired or already used enrollment code.
 * - idempotency-conflict [409]: the id was already used with different content.
 * - invalid-state [409]: the operation does not apply in the payment's current state.
 * - refund-exceeds-paid [422]: the refund would exceed paid minus already refunded.
 * - code-rejected [422]: a customer-presented code the backend cannot route (unknown type).
 * - provider-unavailable [503]: the provider did not answer; the outcome may be unknown, query.
 * - internal [500]: a bug or storage failure on the backend.
 */
export const backendErrorCodes = [
  'bad-request',
  'payload-too-large',
  'unsupported-media-type',
  'not-found',
  'method-not-allowed',
  'unauthenticated',
  'forbidden',
  'unknown-terminal',
  'bad-signature',
  'stale-timestamp',
  'nonce-reused',
  'enrollment-code-invalid',
  'idempotency-conflict',
  'invalid-state',
  'refund-exceeds-paid',
  'code-rejected',
  'provider-unavailable',
  'internal',
] as const;
export const backendErrorCodeSchema = z.enum(backendErrorCodes);
export type BackendErrorCode = z.infer<typeof backendErrorCodeSchema>;

export const errorBodySchema = z.object({
  error: z.object({
    code: backendErrorCodeSchema,
    message: z.string(),
    retryable: z.boolean(),
    /** Field-level problems for `bad-request` (`path` like "entries.3.payload"). */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** HTTP status each error code is sent with. */
export const errorHttpStatus: Readonly<Record<BackendErrorCode, number>> = {
  'bad-request': 400,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'not-found': 404,
  'method-not-allowed': 405,
  unauthenticated: 401,
  forbidden: 403,
  'unknown-terminal': 401,
  'bad-signature': 401,
  'stale-timestamp': 401,
  'nonce-reused': 401,
  'enrollment-code-invalid': 400,
  'idempotency-conflict': 409,
  'invalid-state': 409,
  'refund-exceeds-paid': 422,
  'code-rejected': 422,
  'provider-unavailable': 503,
  internal: 500,
};

// ---------------------------------------------------------------------------------------------
// Health and enrollment (unsigned)
// ---------------------------------------------------------------------------------------------

/** `GET /health`: unsigned liveness probe (used by sync/client/backend-health-probe.ts). */
export const healthResponseSchema = z.object({ status: z.literal('ok'), serverTimeMs: epochMsSchema, apiVersion: z.literal(1) });
export type HealthResponse = z.infer<typeof healthResponseSchema>;

/** Enrollment codes: 12 characters from an unambiguous alphabet, shown grouped as XXXX-XXXX-XXXX. */
export const enrollmentCodeSchema = z
  .string()
  .transform((code) => code.replace(/[\s-]/g, '').toUpperCase())
  .pipe(z.string().regex(/^[A-HJ-NP-Z2-9]{12}$/, 'an enrollment code is 12 letters and digits, like ABCD-EFGH-JKLM'));

/** `POST /v1/enroll` (unsigned): exchanges a one-time code for the terminal's identity. */
export const enrollRequestSchema = z.strictObject({
  code: enrollmentCodeSchema,
  /** Free text shown to the operator (host name, app version); not trusted for anything. */
  deviceInfo: z.string().max(200).optional(),
});
export type EnrollRequest = z.input<typeof enrollRequestSchema>;

export const enrollResponseSchema = z.object({
  terminalId: z.string(),
  terminalName: z.string(),
  /** base64url of 32 random bytes; the HMAC key is the decoded bytes. Shown exactly once. */
  terminalSecret: z.string(),
  serverTimeMs: epochMsSchema,
});
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;

/** `GET /v1/terminal` (signed): who the backend thinks is calling; a cheap credentials check. */
export const terminalInfoResponseSchema = z.object({
  terminalId: z.string(),
  terminalName: z.string(),
  enrolledAtMs: epochMsSchema,
  serverTimeMs: epochMsSchema,
});
export type TerminalInfoResponse = z.infer<typeof terminalInfoResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Payments (signed)
// ---------------------------------------------------------------------------------------------

/**
 * Payment status as the backend records it.
 * - pending: created (QR shown / code sent), nobody has paid yet.
 * - user-paying: the customer is confirming in the wallet (Alipay 10003, WeChat USERPAYING).
 * - paid: money taken (refunds are tracked in `refundedMinor`; the status stays `paid`).
 * - failed: definitely not paid (declined, 40004); final.
 * - closed: closed/cancelled/expired before any money was taken; final.
 * - reversed: it was paid and the cancel reversed it (money returned); final.
 * - unknown: the provider did not give a definite answer; query again, never re-create.
 */
export const paymentStatuses = ['pending', 'user-paying', 'paid', 'failed', 'closed', 'reversed', 'unknown'] as const;
export const paymentStatusSchema = z.enum(paymentStatuses);
export type PaymentStatus = z.infer<typeof paymentStatusSchema>;
export const finalPaymentStatuses: readonly PaymentStatus[] = ['failed', 'closed', 'reversed'];

export const paymentFlowSchema = z.enum(['merchant-presented', 'customer-presented']);
export type PaymentFlow = z.infer<typeof paymentFlowSchema>;

export const paymentSchema = z.object({
  paymentId: z.string(),
  terminalId: z.string(),
  flow: paymentFlowSchema,
  provider: providerNameSchema,
  orderId: z.string().nullable(),
  amountMinor: z.number().int(),
  currency: currencySchema,
  status: paymentStatusSchema,
  /** Merchant-presented only: what to render as the QR code, and when it stops being payable. */
  qrContent: z.string().nullable(),
  expiresAtMs: epochMsSchema.nullable(),
  providerTradeId: z.string().nullable(),
  /** Provider failure code (e.g. "ACQ.PAYMENT_AUTH_CODE_INVALID", "sandbox.declined") when failed. */
  failureCode: z.string().nullable(),
  failureMessage: z.string().nullable(),
  paidAtMs: epochMsSchema.nullable(),
  refundedMinor: z.number().int().nonnegative(),
  createdAtMs: epochMsSchema,
  updatedAtMs: epochMsSchema,
});
export type Payment = z.infer<typeof paymentSchema>;

/** `POST /v1/payments/merchant-presented`: idempotent by `paymentId`. Responds 201 (new) or 200 (replay). */
export const createMerchantPresentedRequestSchema = z.strictObject({
  paymentId: clientIdSchema,
  orderId: clientIdSchema.optional(),
  amountMinor: payableAmountMinorSchema,
  currency: currencySchema,
  /** Shown in the wallet ("Order 000123"); ≤ 64 characters. */
  description: z.string().min(1).max(64).optional(),
  provider: providerNameSchema.optional(),
  expiresInMs: z.number().int().min(minQrExpiryMs).max(maxQrExpiryMs).optional(),
});
export type CreateMerchantPresentedRequest = z.input<typeof createMerchantPresentedRequestSchema>;

/**
 * `POST /v1/payments/customer-presented`: idempotent by `paymentId` (a replay never charges
 * again: it returns the recorded payment, refreshed by a provider query when not final).
 */
export const payWithCustomerCodeRequestSchema = z.strictObject({
  paymentId: clientIdSchema,
  orderId: clientIdSchema.optional(),
  amountMinor: payableAmountMinorSchema,
  currency: currencySchema,
  /** The customer's payment code as scanned (digits). */
  code: z.string().regex(/^\d{10,32}$/, 'a payment code is 10 to 32 digits'),
  description: z.string().min(1).max(64).optional(),
});
export type PayWithCustomerCodeRequest = z.input<typeof payWithCustomerCodeRequestSchema>;

/** Response of create, pay, `GET /v1/payments/:paymentId` and cancel. */
export const paymentResponseSchema = z.object({ payment: paymentSchema, serverTimeMs: epochMsSchema });
export type PaymentResponse = z.infer<typeof paymentResponseSchema>;

/**
 * `POST /v1/payments/:paymentId/cancel`: close an unpaid merchant-presented payment, or reverse a
 * customer-presented one (closes it when unpaid, returns the money when paid). Idempotent: on a
 * final payment it returns it unchanged. A merchant-presented payment found paid stays `paid`
 * (refund it instead).
 */
export const cancelPaymentRequestSchema = z.strictObject({ reason: z.string().max(200).optional() });
export type CancelPaymentRequest = z.input<typeof cancelPaymentRequestSchema>;

export const refundStatusSchema = z.enum(['refunded', 'failed', 'unknown']);
export type RefundStatus = z.infer<typeof refundStatusSchema>;

export const refundSchema = z.object({
  refundId: z.string(),
  paymentId: z.string(),
  amountMinor: z.number().int(),
  currency: currencySchema,
  status: refundStatusSchema,
  reason: z.string().nullable(),
  failureCode: z.string().nullable(),
  failureMessage: z.string().nullable(),
  createdAtMs: epochMsSchema,
  updatedAtMs: epochMsSchema,
});
export type Refund = z.infer<typeof refundSchema>;

/**
 * `POST /v1/payments/:paymentId/refunds`: full or partial, idempotent by `refundId` (a replay of an
 * `unknown` refund asks the provider again with the same refund id). The sum of refunds that are
 * not `failed` never exceeds the paid amount: otherwise `refund-exceeds-paid`.
 */
export const createRefundRequestSchema = z.strictObject({
  refundId: clientIdSchema,
  amountMinor: payableAmountMinorSchema,
  currency: currencySchema,
  reason: z.string().max(200).optional(),
});
export type CreateRefundRequest = z.input<typeof createRefundRequestSchema>;

export const refundResponseSchema = z.object({ refund: refundSchema, payment: paymentSchema, serverTimeMs: epochMsSchema });
export type RefundResponse = z.infer<typeof refundResponseSchema>;

/**
 * `GET /v1/events?after=<seq>&waitMs=<ms>`: the push channel, as a long-poll. Returns this
 * terminal's payment and refund updates with `seq > after`, oldest first, at most 100; when there
 * are none it waits up to `waitMs` (≤ 30 000) for one, then answers with an empty list. Resume with
 * `after = nextAfter`. Events are kept 24 h; a terminal should also query (push for speed, poll to
 * be sure).
 */
export const eventsQuerySchema = z.strictObject({
  after: z.coerce.number().int().nonnegative().default(0),
  waitMs: z.coerce.number().int().nonnegative().max(maxEventWaitMs).default(0),
});
export const backendEventSchema = z.discriminatedUnion('type', [
  z.object({ seq: z.number().int(), type: z.literal('payment.updated'), atMs: epochMsSchema, payment: paymentSchema }),
  z.object({ seq: z.number().int(), type: z.literal('refund.updated'), atMs: epochMsSchema, refund: refundSchema }),
]);
export type BackendEvent = z.infer<typeof backendEventSchema>;
export const eventsResponseSchema = z.object({ events: z.array(backendEventSchema), nextAfter: z.number().int(), serverTimeMs: epochMsSchema });
export type EventsResponse = z.infer<typeof eventsResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Journal upload (signed)
// ---------------------------------------------------------------------------------------------

/** Deepest nesting of arrays/objects accepted in a journal payload (deeper is `bad-request`). */
export const maxPayloadDepth = 32;

/** True when VALUE nests arrays/objects at most LIMIT deep (checked without recursion). */
export function jsonDepthAtMost(value: unknown, limit: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= limit) return false;
    for (const child of Object.values(item.value)) stack.push({ value: child, depth: item.depth + 1 });
  }
  return true;
}

/**
 * One terminal outbox entry, exactly as sync/store/journal.ts holds it (`entryId` is the
 * idempotency key; `seq` the terminal's outbox order). Known kinds are 'order.recorded',
 * 'intent.created', 'intent.transitioned'; other kinds are stored as opaque records.
 *
 * Offline payments: an 'intent.created' entry whose payload has `kind: 'payment'` and a string
 * `detail.offlineCode` (the customer's offline code exactly as scanned) is an offline-code payment
 * of `payload.amountMinor` with payment id `payload.id`. The backend verifies the code's signature
 * and spends its code id once; the entry's result carries `offlinePayment` (settled or rejected).
 */
export const journalEntrySchema = z.strictObject({
  entryId: clientIdSchema,
  seq: z.number().int().nonnegative(),
  kind: z.string().min(1).max(64),
  /** Any JSON value except absent (the terminal's outbox payload, as stored), nested at most 32 deep. */
  payload: z.custom<unknown>((value) => value !== undefined, 'payload is required').refine((value) => jsonDepthAtMost(value, maxPayloadDepth), `payload is nested more than ${maxPayloadDepth} levels deep`),
  createdAtMs: epochMsSchema,
});
export type JournalEntry = z.infer<typeof journalEntrySchema>;

/** `POST /v1/journal/batches`: entries applied in the given order (ascending `seq`), each independently. */
export const journalBatchRequestSchema = z.strictObject({
  entries: z
    .array(journalEntrySchema)
    .min(1)
    .max(maxJournalBatchEntries)
    .refine((entries) => entries.every((entry, index) => index === 0 || entry.seq > (entries[index - 1]?.seq ?? -1)), 'entries must be in ascending seq order'),
});
export type JournalBatchRequest = z.infer<typeof journalBatchRequestSchema>;

/** Why the backend refused an offline-code payment (the code verification refusals plus spending rules). */
export const offlinePaymentRejections = ['double-spend', 'malformed-code', 'unknown-key', 'bad-signature', 'not-yet-valid', 'expired', 'over-limit'] as const;
export const offlinePaymentResultSchema = z.object({
  paymentId: z.string(),
  codeId: z.string().nullable(),
  amountMinor: z.number().int(),
  status: z.enum(['settled', 'rejected']),
  rejection: z.enum(offlinePaymentRejections).nullable(),
  /** For a double spend: the payment that spent the code first. */
  firstSpentByPaymentId: z.string().nullable(),
});
export type OfflinePaymentResult = z.infer<typeof offlinePaymentResultSchema>;

/**
 * Per-entry result. `accepted`: stored (also on a replay with identical content, `replayed: true`);
 * the client acks it. `rejected`: a permanent problem (`retryable: false`: dead-letter it, e.g.
 * `idempotency-conflict` when the id was stored with different content) or a transient one
 * (`retryable: true`: send it again later). An offline payment rejected as a double spend is still
 * an `accepted` ENTRY (the backend has recorded the sale) whose `offlinePayment.status` is
 * `rejected`: the merchant's loss, shown in reconciliation.
 */
export const journalEntryResultSchema = z.object({
  entryId: z.string(),
  status: z.enum(['accepted', 'rejected']),
  replayed: z.boolean(),
  error: z.object({ code: backendErrorCodeSchema, message: z.string(), retryable: z.boolean() }).nullable(),
  offlinePayment: offlinePaymentResultSchema.nullable(),
});
export type JournalEntryResult = z.infer<typeof journalEntryResultSchema>;
export const journalBatchResponseSchema = z.object({ results: z.array(journalEntryResultSchema), serverTimeMs: epochMsSchema });
export type JournalBatchResponse = z.infer<typeof journalBatchResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Catalog, planogram and settings distribution (signed)
// ---------------------------------------------------------------------------------------------

/**
 * `GET /v1/distribution/:kind` with `If-None-Match: "<version>"` (or `?version=<n>`): 304 with an
 * empty body when the terminal already has the latest version, else 200 with the document and an
 * `ETag: "<version>"` header; 404 `not-found` when nothing was published for that kind yet. The
 * document is opaque to the backend: the terminal validates it with its own config schema.
 */
export const distributionKinds = ['catalog', 'planogram', 'settings'] as const;
export const distributionKindSchema = z.enum(distributionKinds);
export type DistributionKind = z.infer<typeof distributionKindSchema>;
export const distributionResponseSchema = z.object({
  kind: distributionKindSchema,
  version: z.number().int().positive(),
  publishedAtMs: epochMsSchema,
  document: z.record(z.string(), z.unknown()),
  serverTimeMs: epochMsSchema,
});
export type DistributionResponse = z.infer<typeof distributionResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Settlement (signed)
// ---------------------------------------------------------------------------------------------

export const tenderSchema = z.enum(['cash', 'merchant-presented', 'customer-presented', 'offline-code']);
export type Tender = z.infer<typeof tenderSchema>;

export const countAndAmountSchema = z.strictObject({ count: z.number().int().nonnegative(), amountMinor: amountMinorSchema });

/** One transaction of the business day as the terminal recorded it. */
export const settlementTransactionSchema = z.strictObject({
  /** Payment id or refund id (the idempotency key used with the backend). */
  id: clientIdSchema,
  type: z.enum(['payment', 'refund', 'void']),
  /** For refunds and voids: the payment they reverse. */
  paymentId: clientIdSchema.optional(),
  tender: tenderSchema,
  provider: providerNameSchema.nullable(),
  amountMinor: amountMinorSchema,
});
export type SettlementTransaction = z.infer<typeof settlementTransactionSchema>;

/**
 * `POST /v1/settlements`: closes a business day. Idempotent by `batchId`. The backend compares
 * `transactions` with its own records for this terminal in [openedAtMs, closedAtMs] that no earlier
 * batch settled (payments it processed that were paid, refunds that succeeded, offline-code payments
 * it received, cash payments it received through the journal) and classifies each transaction.
 */
export const settlementBatchRequestSchema = z.strictObject({
  batchId: clientIdSchema,
  businessDay: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a business day is YYYY-MM-DD'),
  openedAtMs: epochMsSchema,
  closedAtMs: epochMsSchema,
  totals: z.array(z.strictObject({ tender: tenderSchema, provider: providerNameSchema.nullable(), count: z.number().int().nonnegative(), amountMinor: amountMinorSchema })).max(50),
  refunds: countAndAmountSchema,
  voids: countAndAmountSchema,
  offlinePayments: countAndAmountSchema,
  transactions: z.array(settlementTransactionSchema).max(100_000),
});
export type SettlementBatchRequest = z.infer<typeof settlementBatchRequestSchema>;

/**
 * - matched: both sides have it with the same amount.
 * - missing-on-terminal: the backend has it, the batch does not (e.g. paid after the terminal gave up).
 * - missing-on-backend: the batch has it, the backend does not (not yet uploaded, or never reached it).
 * - amount-mismatch: both have it with different amounts.
 * - rejected: an offline-code payment the backend refused (double spend, bad signature): the merchant's loss.
 */
export const reconciliationCategories = ['matched', 'missing-on-terminal', 'missing-on-backend', 'amount-mismatch', 'rejected'] as const;
export const reconciliationCategorySchema = z.enum(reconciliationCategories);
export type ReconciliationCategory = z.infer<typeof reconciliationCategorySchema>;

export const reconciliationItemSchema = z.object({
  id: z.string(),
  type: z.enum(['payment', 'refund', 'void']),
  tender: tenderSchema.nullable(),
  category: reconciliationCategorySchema,
  terminalAmountMinor: z.number().int().nullable(),
  backendAmountMinor: z.number().int().nullable(),
  note: z.string().nullable(),
});
export type ReconciliationItem = z.infer<typeof reconciliationItemSchema>;

export const settlementResponseSchema = z.object({
  batchId: z.string(),
  businessDay: z.string(),
  /** Counts per category. */
  summary: z.record(reconciliationCategorySchema, z.number().int()),
  items: z.array(reconciliationItemSchema),
  /** Whether the batch's declared totals agree with its own transaction list. */
  totalsConsistent: z.boolean(),
  settledAtMs: epochMsSchema,
  serverTimeMs: epochMsSchema,
});
export type SettlementResponse = z.infer<typeof settlementResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Sandbox wallet (only when the backend runs with its sandbox enabled; never terminal API). Not
// signed by a terminal: served to loopback clients only, and only with the sandbox key.
// ---------------------------------------------------------------------------------------------

/** The header carrying the sandbox key (the contents of the backend's sandbox key file, 0600). */
export const sandboxAccessKeyHeader = 'x-sandbox-key';

/** The most a sandbox code may hold and a sandbox wallet may pay at once: ￥100,000.00. */
export const maxSandboxBalanceMinor = 10_000_000;
export const sandboxBalanceLimitText = '100000.00 (10000000 fen)';

/**
 * Behaviours a sandbox customer code (or a sandbox wallet payment) can be given:
 * - pay: paid at once.
 * - decline: failed (`sandbox.declined`).
 * - user-paying: `user-paying` first; paid once `userPayingMs` have passed (a query then says paid).
 * - user-paying-forever: stays `user-paying` until cancelled (exercises the reverse path).
 * - unknown: the pay call answers `unknown` (as a timeout would), but the money WAS taken: a query says paid.
 */
export const sandboxBehaviours = ['pay', 'decline', 'user-paying', 'user-paying-forever', 'unknown'] as const;
export const sandboxBehaviourSchema = z.enum(sandboxBehaviours);
export type SandboxBehaviour = z.infer<typeof sandboxBehaviourSchema>;

/** `POST /sandbox/wallet/pay`: a customer pays a merchant-presented QR shown by a terminal. */
export const sandboxWalletPayRequestSchema = z.strictObject({
  qrContent: z.string().min(1).max(512),
  payerId: z.string().min(1).max(64).optional(),
  /** `decline` refuses in the wallet (the payment stays pending); the others pay. */
  behaviour: z.enum(['pay', 'decline']).optional(),
});
export type SandboxWalletPayRequest = z.input<typeof sandboxWalletPayRequestSchema>;
export const sandboxWalletPayResponseSchema = z.object({
  paymentId: z.string(),
  amountMinor: z.number().int(),
  merchantName: z.string(),
  outcome: z.enum(['paid', 'declined', 'already-paid', 'expired', 'closed']),
  serverTimeMs: epochMsSchema,
});
export type SandboxWalletPayResponse = z.infer<typeof sandboxWalletPayResponseSchema>;

/** `POST /sandbox/wallet/codes`: registers an online customer-presented code with a balance. */
export const sandboxWalletCodeRequestSchema = z.strictObject({
  /** At most `maxSandboxBalanceMinor`. */
  balanceMinor: z.number().int().nonnegative().max(maxSandboxBalanceMinor, `a sandbox balance is at most ${sandboxBalanceLimitText}`).optional(),
  behaviour: sandboxBehaviourSchema.optional(),
  /** For `user-paying`: how long until the payment completes (default 8 000). */
  userPayingMs: z.number().int().nonnegative().max(600_000).optional(),
  /** Delay before the sandbox answers the terminal's pay call (default 0). */
  delayMs: z.number().int().nonnegative().max(60_000).optional(),
});
export type SandboxWalletCodeRequest = z.input<typeof sandboxWalletCodeRequestSchema>;
export const sandboxWalletCodeResponseSchema = z.object({
  code: z.string(),
  payerId: z.string(),
  balanceMinor: z.number().int(),
  behaviour: sandboxBehaviourSchema,
  expiresAtMs: epochMsSchema,
  serverTimeMs: epochMsSchema,
});
export type SandboxWalletCodeResponse = z.infer<typeof sandboxWalletCodeResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

/** Every route, for servers, clients and docs. `signed: false` routes need no terminal credentials. */
export const backendRoutes = {
  health: { method: 'GET', path: '/health', signed: false },
  enroll: { method: 'POST', path: '/v1/enroll', signed: false },
  terminalInfo: { method: 'GET', path: '/v1/terminal', signed: true },
  createMerchantPresented: { method: 'POST', path: '/v1/payments/merchant-presented', signed: true },
  payWithCustomerCode: { method: 'POST', path: '/v1/payments/customer-presented', signed: true },
  getPayment: { method: 'GET', path: '/v1/payments/:paymentId', signed: true },
  cancelPayment: { method: 'POST', path: '/v1/payments/:paymentId/cancel', signed: true },
  createRefund: { method: 'POST', path: '/v1/payments/:paymentId/refunds', signed: true },
  getRefund: { method: 'GET', path: '/v1/payments/:paymentId/refunds/:refundId', signed: true },
  events: { method: 'GET', path: '/v1/events', signed: true },
  uploadJournal: { method: 'POST', path: '/v1/journal/batches', signed: true },
  distribution: { method: 'GET', path: '/v1/distribution/:kind', signed: true },
  settle: { method: 'POST', path: '/v1/settlements', signed: true },
  sandboxWalletPay: { method: 'POST', path: '/sandbox/wallet/pay', signed: false },
  sandboxWalletCode: { method: 'POST', path: '/sandbox/wallet/codes', signed: false },
} as const satisfies Record<string, { method: 'GET' | 'POST'; path: string; signed: boolean }>;
export type BackendRouteName = keyof typeof backendRoutes;

/** Fills a route's `:params` (URL-encoded): `routePath('getPayment', { paymentId: 'p1' })`. */
export function routePath(route: BackendRouteName, params: Readonly<Record<string, string>> = {}): string {
  return backendRoutes[route].path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`route ${route} needs the parameter "${name}"`);
    return encodeURIComponent(value);
  });
}
