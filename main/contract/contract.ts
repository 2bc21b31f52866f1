/**
 * The one contract between the UI (Electron preload or browser-mode transport, and local API
 * clients) and the terminal core. Every command takes ONE object argument, validated on the main
 * side with the schema below, and resolves to a `CommandResult`: data or a typed error, never a
 * thrown exception across the boundary.
 *
 * This file must stay free of Node and Electron imports: the renderer imports it.
 */
import { z } from 'zod';
import { paymentMethodSchema, paymentStateSchema } from '../domain/payment-states.js';
import { refundStateSchema } from '../domain/refund-states.js';
import { vendStateSchema } from '../domain/vend-states.js';

export const contractErrorCodes = [
  'invalid-argument',
  'unauthenticated',
  'forbidden',
  'locked-out',
  'not-found',
  'conflict',
  'unavailable',
  'internal',
] as const;
export type ContractErrorCode = (typeof contractErrorCodes)[number];

export interface ContractError {
  readonly code: ContractErrorCode;
  readonly message: string;
  /** True when the same call may succeed later without any change (busy, offline). */
  readonly retryable: boolean;
  /**
   * Per-field problems for `invalid-argument`; seconds to wait for `locked-out`; `reason`, a stable
   * key a screen words in its own language (`wrong-pin`, `payment-final`, …) with its `params`.
   * `message` is English for logs and integrations; screens word errors from code, reason, params.
   */
  readonly details?:
    | {
        readonly fields?: readonly { path: string; message: string }[];
        readonly retryAfterSeconds?: number;
        readonly reason?: string;
        readonly params?: Readonly<Record<string, string | number>>;
      }
    | undefined;
}

export type CommandResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ContractError };

const localizedText = z.object({ 'zh-CN': z.string(), en: z.string().optional() });
const amountMinor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const id = z.string().min(1).max(64);

/** A client's key for one sale: 8 to 64 letters, digits, "_" or "-" (a UUID fits). */
const idempotencyKey = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, { error: 'an idempotency key is 8 to 64 letters, digits, "_" or "-"' });

const lineRequest = z.strictObject({
  productId: id,
  quantity: z.number().int().min(1).max(999),
  modifierOptionIds: z.array(id).max(20).optional(),
  note: z.string().max(140).optional(),
});

const userSummary = z.object({ id: z.string(), name: z.string(), role: z.enum(['cashier', 'supervisor', 'technician']) });

export const terminalStatusSchema = z.object({
  terminalId: z.string(),
  terminalName: z.string(),
  mode: z.enum(['counter', 'kiosk', 'technician']),
  locale: z.enum(['zh-CN', 'en']),
  version: z.string(),
  startedAtMs: z.number(),
  backend: z.object({ kind: z.enum(['sandbox', 'remote']), url: z.string().nullable() }),
  connectivity: z.enum(['online', 'offline', 'degraded']),
  lastSyncAtMs: z.number().nullable(),
  queue: z.object({ depth: z.number(), oldestCreatedAtMs: z.number().nullable(), deadLetters: z.number() }),
  openIntents: z.number(),
  /** `simulated` / `online`: working; `offline` with a `reason` (e.g. `paper-out: …`) when the device layer found it unusable; `configured` before it was tried. */
  devices: z.array(z.object({ role: z.string(), uri: z.string(), state: z.enum(['simulated', 'configured', 'online', 'offline']), reason: z.string().nullable().optional() })),
  dataDir: z.string(),
});
export type TerminalStatus = z.infer<typeof terminalStatusSchema>;

const catalogView = z.object({
  currency: z.literal('CNY'),
  categories: z.array(z.object({ id: z.string(), name: localizedText })),
  modifierGroups: z.array(
    z.object({
      id: z.string(),
      name: localizedText,
      minSelected: z.number(),
      maxSelected: z.number(),
      options: z.array(z.object({ id: z.string(), name: localizedText, priceDeltaMinor: z.number() })),
    }),
  ),
  products: z.array(z.object({ id: z.string(), categoryId: z.string(), name: localizedText, priceMinor: z.number(), modifierGroupIds: z.array(z.string()) })),
  slots: z.array(z.object({ slot: z.number(), productId: z.string(), priceMinor: z.number(), stock: z.number(), capacity: z.number(), sellable: z.boolean() })),
});
export type CatalogView = z.infer<typeof catalogView>;

/** A payment as the UI and local API clients see it (`payment.status`, `payment.changed`). */
export const paymentViewSchema = z.object({
  paymentIntentId: z.string(),
  orderId: z.string().nullable(),
  method: paymentMethodSchema,
  amountMinor: amountMinor,
  /** One of main/domain/payment-states.ts; `isPaidLikeState` there says whether the money counts as received. */
  state: paymentStateSchema,
  isFinal: z.boolean(),
  /** Merchant-presented QR: what to draw, and until when (terminal clock) it is offered. */
  qrContent: z.string().nullable(),
  expiresAtMs: z.number().nullable(),
  /** Why it failed, was closed or rejected, when it did. */
  reason: z.string().nullable(),
  provider: z.string().nullable(),
  /** What can still be refunded (paid minus refunded or being refunded). */
  refundableMinor: amountMinor,
  /**
   * How much of a received payment went back: `none`, `partial` (some refunded), `full` (all of it
   * refunded). A payment's `state` stays `paid` (or `settled`) after refunds: read this for the
   * screen (已退款 / 部分退款), not `state`.
   */
  refundStatus: z.enum(['none', 'partial', 'full']),
  refunds: z.array(z.object({ refundId: z.string(), amountMinor: amountMinor, state: refundStateSchema, isFinal: z.boolean(), reason: z.string().nullable() })),
  updatedAtMs: z.number(),
});
export type PaymentView = z.infer<typeof paymentViewSchema>;

/** Offline acceptance against its caps (amounts in fen). */
export const offlineTotalsSchema = z.object({
  pendingCount: z.number(),
  pendingMinor: amountMinor,
  perPaymentCapMinor: amountMinor,
  totalStoredCapMinor: amountMinor,
  maxAgeHours: z.number(),
  oldestPendingAtMs: z.number().nullable(),
});
export type OfflineTotals = z.infer<typeof offlineTotalsSchema>;

export const syncStatusSchema = z.object({
  connectivity: z.enum(['online', 'offline', 'degraded']),
  queueDepth: z.number(),
  oldestUnsyncedAtMs: z.number().nullable(),
  lastSuccessAtMs: z.number().nullable(),
  deadLetters: z.number(),
  lastError: z.string().nullable(),
  retryBudgetLeft: z.number(),
  nextAttemptAtMs: z.number().nullable(),
});
export type SyncStatusView = z.infer<typeof syncStatusSchema>;

/**
 * A kiosk vend as the UI sees it (`kiosk.vendStatus`, `vend.changed`); its states and their order
 * are main/domain/vend-states.ts. A vend that did not dispense is refunded automatically: see `refund`.
 */
export const vendViewSchema = z.object({
  vendIntentId: z.string(),
  paymentIntentId: z.string(),
  slot: z.number(),
  state: vendStateSchema,
  isFinal: z.boolean(),
  /** Why it was not dispensed, cancelled or is unknown. */
  reason: z.string().nullable(),
  /** The board's sequence number for this vend, once one was given. */
  sequence: z.number().nullable(),
  /** The automatic refund of a vend that did not dispense. */
  refund: z.object({ refundId: z.string(), amountMinor: amountMinor, state: refundStateSchema, isFinal: z.boolean() }).nullable(),
  updatedAtMs: z.number(),
});
export type VendView = z.infer<typeof vendViewSchema>;

/** Whether the kiosk takes a selection now (`resolving`: vends left open are being resolved first). */
export const kioskVendingSchema = z.object({
  state: z.enum(['resolving', 'ready', 'unavailable']),
  reason: z.string().nullable(),
  /** Slots the board took out of sale (N failures in a row, or a vend needing inspection). */
  slotsOutOfSale: z.array(z.object({ slot: z.number(), reason: z.string().nullable(), consecutiveFailures: z.number() })),
});
export type KioskVendingView = z.infer<typeof kioskVendingSchema>;

export const vendStatusSchema = z.object({ kiosk: kioskVendingSchema, vend: vendViewSchema.nullable() });
export type VendStatusView = z.infer<typeof vendStatusSchema>;

/** The technician console's sync health (`technician.syncHealth`, `technician.syncNow`). */
export const technicianSyncHealthSchema = z.object({
  connectivity: z.enum(['online', 'offline', 'degraded']),
  queueDepth: z.number(),
  oldestUnsyncedAtMs: z.number().nullable(),
  lastSuccessAtMs: z.number().nullable(),
  /** Entries the backend rejected for good, newest first, with its reason (payloads stay in the journal). */
  deadLetters: z.array(z.object({ entryId: z.string(), kind: z.string(), reason: z.string(), rejectedAtMs: z.number() })),
});
export type TechnicianSyncHealth = z.infer<typeof technicianSyncHealthSchema>;

/** A device found on the machine (`technician.discoverDevices`); `simulated` rows are the built-in simulators. */
export const discoveredDeviceSchema = z.object({
  kind: z.enum(['serial', 'hid', 'usb-printer', 'simulated']),
  uri: z.string(),
  path: z.string(),
  vendorId: z.number().nullable(),
  productId: z.number().nullable(),
  serialNumber: z.string().nullable(),
  product: z.string().nullable(),
  /** hardware/discovery/known-devices.ts: `receipt-printer`, `scanner`, `relay`, `serial-adapter`. */
  suggestedRole: z.string().nullable(),
  /** The configured role using this device now, or null. */
  boundAs: z.string().nullable(),
});
export type DiscoveredDeviceView = z.infer<typeof discoveredDeviceSchema>;

/** A vending slot on the technician console (`notSellingBecause`: board = taken out of sale, planogram = not in sale, empty = no stock). */
export const technicianSlotSchema = z.object({
  slot: z.number(),
  productId: z.string(),
  productName: localizedText,
  stock: z.number(),
  capacity: z.number(),
  sellable: z.boolean(),
  notSellingBecause: z.enum(['board', 'planogram', 'empty']).nullable(),
  outOfSaleReason: z.string().nullable(),
  consecutiveFailures: z.number(),
});
export type TechnicianSlotView = z.infer<typeof technicianSlotSchema>;

const technicianSession = z.string().max(128);
const deviceRole = z.string().regex(/^(receiptPrinter|scanner|vendingBoard|kitchenPrinter:[a-z0-9][a-z0-9_-]{0,47})$/, { error: 'a device role is receiptPrinter, scanner, vendingBoard or kitchenPrinter:<station>' });

/**
 * The technician console (renderer/screens/technician-screen.tsx): every command needs a
 * technician session; every action is journaled as an `audit.recorded` outbox entry with the
 * technician's user id (docs/journal-schema.md).
 */
const technicianCommands = {
  'technician.syncHealth': { input: z.strictObject({ sessionId: technicianSession }), output: technicianSyncHealthSchema },
  /** Drains the outbox now and answers with the health after it; `unavailable` without a backend. */
  'technician.syncNow': { input: z.strictObject({ sessionId: technicianSession }), output: technicianSyncHealthSchema },
  /** Puts a dead letter back into the queue (journaled), then syncs; `not-found` when there is no such dead letter. */
  'technician.retryDeadLetter': { input: z.strictObject({ sessionId: technicianSession, entryId: id }), output: technicianSyncHealthSchema },
  /** Drops a dead letter for good with the technician's REASON (journaled and uploaded); the journal keeps its payload. */
  'technician.discardDeadLetter': {
    input: z.strictObject({ sessionId: technicianSession, entryId: id, reason: z.string().trim().min(3, { error: 'say why, in at least 3 characters' }).max(200) }),
    output: technicianSyncHealthSchema,
  },
  /** Prints the test receipt on the printer of ROLE: `printed`, or `queued` with the printer's reason (it prints on recovery). */
  'technician.testPrint': {
    input: z.strictObject({ sessionId: technicianSession, role: deviceRole }),
    output: z.object({ role: z.string(), state: z.enum(['printed', 'queued']), reason: z.string().nullable() }),
  },
  /** Serial ports, USB HID devices and USB printers found now, plus the built-in simulators. */
  'technician.discoverDevices': {
    input: z.strictObject({ sessionId: technicianSession }),
    output: z.object({ devices: z.array(discoveredDeviceSchema), warnings: z.array(z.string()) }),
  },
  /**
   * Writes ROLE = URI into the configuration file (validated first: `invalid-argument` naming the
   * key; backup then atomic replace). The running terminal keeps its devices: `appliesAt: 'next-start'`.
   */
  'technician.bindDevice': {
    input: z.strictObject({ sessionId: technicianSession, role: deviceRole, uri: z.string().min(1).max(300) }),
    output: z.object({ role: z.string(), uri: z.string(), configFile: z.string(), backupFile: z.string().nullable(), appliesAt: z.literal('next-start') }),
  },
  /** The kiosk's slots; `unavailable` without vending. */
  'technician.slots': { input: z.strictObject({ sessionId: technicianSession }), output: z.object({ slots: z.array(technicianSlotSchema) }) },
  /** Sets slots' stock to a count (`'full'`: capacity), journaled before the kiosk sells from it. */
  'technician.refillSlots': {
    input: z.strictObject({
      sessionId: technicianSession,
      refills: z.array(z.strictObject({ slot: z.number().int().min(1).max(999), quantity: z.union([z.number().int().min(0).max(999), z.literal('full')]) })).min(1).max(999),
    }),
    output: z.object({ slots: z.array(technicianSlotSchema) }),
  },
  /** Returns a slot the board took out of sale to sale (journaled); `conflict` when it is not out of sale. */
  'technician.returnSlotToSale': { input: z.strictObject({ sessionId: technicianSession, slot: z.number().int().min(1).max(999) }), output: z.object({ slots: z.array(technicianSlotSchema) }) },
  /** One `.tar.gz`: logs, the configuration without secrets, a journal integrity report (main/diagnostics/diagnostics-export.ts). */
  'technician.exportLogs': {
    input: z.strictObject({ sessionId: technicianSession }),
    output: z.object({ fileName: z.string(), contentBase64: z.string(), sizeBytes: z.number(), entries: z.array(z.string()) }),
  },
} as const;

/** Every command: its argument schema (strict: unknown keys are refused) and result schema. */
export const commands = {
  'system.status': { input: z.strictObject({}), output: terminalStatusSchema },
  'catalog.get': { input: z.strictObject({}), output: catalogView },
  'users.list': { input: z.strictObject({}), output: z.array(userSummary) },
  'auth.login': {
    input: z.strictObject({ userId: id, pin: z.string().regex(/^\d{4,8}$/, { error: 'a PIN is 4 to 8 digits' }) }),
    output: z.object({ sessionId: z.string(), user: userSummary, expiresAtMs: z.number() }),
  },
  'auth.logout': { input: z.strictObject({ sessionId: z.string().max(128) }), output: z.object({ loggedOut: z.boolean() }) },
  'sale.quote': {
    input: z.strictObject({ lines: z.array(lineRequest).min(1).max(200) }),
    output: z.object({ totalMinor: amountMinor, lines: z.array(z.object({ productId: z.string(), quantity: z.number(), unitPriceMinor: z.number(), lineTotalMinor: z.number() })) }),
  },
  'sale.payCash': {
    input: z.strictObject({
      sessionId: z.string().max(128).optional(),
      lines: z.array(lineRequest).min(1).max(200),
      tenderedMinor: amountMinor,
      idempotencyKey: idempotencyKey.optional(),
    }),
    output: z.object({ orderId: z.string(), receiptNumber: z.string(), totalMinor: amountMinor, changeMinor: amountMinor, paymentIntentId: z.string() }),
  },
  /**
   * Creates a sale (priced from catalog `lines`, or a plain `amountMinor` for integrations) and
   * starts its payment. Answers after the first backend answer: a QR payment in `awaiting` carries
   * its `qrContent`; watch `payment.changed` or call `payment.status` for the rest. `unavailable`
   * when the method needs the network and the backend cannot be reached, or while payments left
   * open by the last run are being resolved.
   */
  'sale.startPayment': {
    input: z
      .strictObject({
        sessionId: z.string().max(128).optional(),
        lines: z.array(lineRequest).min(1).max(200).optional(),
        amountMinor: amountMinor.min(1).optional(),
        method: z.enum(['qr', 'code', 'cash']),
        /** The customer's payment code as scanned (method `code`). */
        code: z.string().min(1).max(512).optional(),
        /** Cash handed over (method `cash`); defaults to the exact total. */
        tenderedMinor: amountMinor.optional(),
        /** Sending the same request again with the same key answers the same sale (main/core/idempotent-sale.ts). */
        idempotencyKey: idempotencyKey.optional(),
      })
      .refine((input) => (input.lines === undefined) !== (input.amountMinor === undefined), { error: 'give either lines or amountMinor' })
      .refine((input) => input.method !== 'code' || input.code !== undefined, { error: 'method "code" needs the scanned code' }),
    output: z.object({ orderId: z.string(), receiptNumber: z.string(), totalMinor: amountMinor, changeMinor: amountMinor, payment: paymentViewSchema }),
  },
  'payment.status': { input: z.strictObject({ paymentIntentId: id }), output: paymentViewSchema },
  /** Asks a running payment to close (QR) or reverse (code) at the provider; answers with its state then. */
  'payment.cancel': { input: z.strictObject({ paymentIntentId: id }), output: paymentViewSchema },
  /**
   * Refunds a paid payment, fully (no `amountMinor`: a void) or partly; needs a supervisor session.
   * `refundId` is the client's idempotency key: repeating the call with it never refunds twice.
   */
  'payment.refund': {
    input: z.strictObject({
      sessionId: z.string().max(128).optional(),
      paymentIntentId: id,
      refundId: id.regex(/^[A-Za-z0-9_-]{8,64}$/, { error: 'a refund id is 8 to 64 letters, digits, "_" or "-"' }),
      amountMinor: amountMinor.min(1).optional(),
      reason: z.string().max(200).optional(),
    }),
    output: paymentViewSchema,
  },
  /** Payments and refunds not yet final, and whether the start-up resolution is still running. */
  'payment.open': {
    input: z.strictObject({}),
    output: z.object({ resolving: z.boolean(), payments: z.array(paymentViewSchema), offline: offlineTotalsSchema }),
  },
  /**
   * Kiosk: sells the product in SLOT with a one-time QR payment. Refused with `conflict` when the
   * slot is out of sale or out of stock or another selection is running, `unavailable` (retryable)
   * while open vends are being resolved or payments cannot start. When the payment is paid the
   * kiosk vends by itself; follow `vend.changed` or `kiosk.vendStatus`. `vendIntentId` is absent
   * when the payment failed at once (nothing will be vended).
   */
  'kiosk.purchase': {
    input: z.strictObject({ slot: z.number().int().min(1).max(999) }),
    output: z.object({ orderId: z.string(), receiptNumber: z.string(), payment: paymentViewSchema, vendIntentId: z.string().optional() }),
  },
  /** The kiosk's vending state and, given a payment, the vend it pays for (`vend: null` when none). */
  'kiosk.vendStatus': { input: z.strictObject({ paymentIntentId: id.optional() }), output: vendStatusSchema },
  /** Drains the outbox now (skipping any backoff wait) and answers with the sync status after it. */
  'sync.now': { input: z.strictObject({}), output: syncStatusSchema },
  /**
   * Prints the receipt of ORDERID again, marked `重印 / REPRINT` (cashier or supervisor session).
   * `queued` with the printer's `reason` when it cannot print now: the job prints on recovery.
   */
  'printer.reprint': {
    input: z.strictObject({ orderId: id, sessionId: z.string().max(128) }),
    output: z.object({ orderId: z.string(), receiptNumber: z.string(), jobId: z.string(), state: z.enum(['printed', 'queued']), reason: z.string().nullable() }),
  },
  ...technicianCommands,
} as const;

export type CommandName = keyof typeof commands;
export type CommandInput<K extends CommandName> = z.input<(typeof commands)[K]['input']>;
export type CommandOutput<K extends CommandName> = z.output<(typeof commands)[K]['output']>;

export const commandNames = Object.keys(commands) as CommandName[];

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(commands, value);
}

/**
 * A code read by the terminal's scanner, as the classifier (hardware/protocols/scanner/
 * code-classifier.ts) saw it. Only an announcement: the core starts nothing from a scan; the UI
 * decides (e.g. `sale.startPayment` with method `code` for a `payment-code`).
 */
export const scanReceivedSchema = z.object({
  kind: z.enum(['payment-code', 'emv-mpm', 'coupon', 'product']),
  /** The code as scanned (a payment code is a one-time bearer token: never log it unmasked). */
  value: z.string(),
  /** Wallet of a payment code, symbology of a product code, else null. */
  detail: z.string().nullable(),
  atMs: z.number(),
});
export type ScanReceived = z.infer<typeof scanReceivedSchema>;

/** Events the core pushes to every connected UI. */
export const events = {
  'status.changed': terminalStatusSchema,
  'payment.changed': paymentViewSchema,
  'vend.changed': vendStatusSchema,
  'scan.received': scanReceivedSchema,
} as const;
export type EventName = keyof typeof events;
export type TerminalEvent = { [K in EventName]: { readonly name: K; readonly payload: z.infer<(typeof events)[K]> } }[EventName];

/** The client-side view of the contract: one async function per command. */
export type TerminalApi = { [K in CommandName]: (input: CommandInput<K>) => Promise<CommandResult<CommandOutput<K>>> };

export { browserApi, ipcChannels } from './contract-names.js';
