/**
 * The one contract between the UI (Electron preload or browser-mode transport, and local API
 * clients) and the terminal core. Every command takes ONE object argument, validated on the main
 * side with the schema below, and resolves to a `CommandResult`: data or a typed error, never a
 * thrown exception across the boundary.
 *
 * This file must stay free of Node and Electron imports: the renderer imports it.
 */
import { z } from 'zod';

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
  /** Per-field problems for `invalid-argument`; seconds to wait for `locked-out`. */
  readonly details?: { readonly fields?: readonly { path: string; message: string }[]; readonly retryAfterSeconds?: number } | undefined;
}

export type CommandResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ContractError };

const localizedText = z.object({ 'zh-CN': z.string(), en: z.string().optional() });
const amountMinor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const id = z.string().min(1).max(64);

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
  devices: z.array(z.object({ role: z.string(), uri: z.string(), state: z.enum(['simulated', 'configured', 'online', 'offline']) })),
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
    }),
    output: z.object({ orderId: z.string(), receiptNumber: z.string(), totalMinor: amountMinor, changeMinor: amountMinor, paymentIntentId: z.string() }),
  },
} as const;

export type CommandName = keyof typeof commands;
export type CommandInput<K extends CommandName> = z.input<(typeof commands)[K]['input']>;
export type CommandOutput<K extends CommandName> = z.output<(typeof commands)[K]['output']>;

export const commandNames = Object.keys(commands) as CommandName[];

export function isCommandName(value: unknown): value is CommandName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(commands, value);
}

/** Events the core pushes to every connected UI. */
export const events = {
  'status.changed': terminalStatusSchema,
} as const;
export type EventName = keyof typeof events;
export type TerminalEvent = { [K in EventName]: { readonly name: K; readonly payload: z.infer<(typeof events)[K]> } }[EventName];

/** The client-side view of the contract: one async function per command. */
export type TerminalApi = { [K in CommandName]: (input: CommandInput<K>) => Promise<CommandResult<CommandOutput<K>>> };

/** Transport-neutral names shared by the Electron preload and the browser-mode host. */
export const ipcChannels = { call: 'terminal:call', event: 'terminal:event' } as const;
export const browserApi = {
  callPathPrefix: '/api/call/',
  eventsPath: '/api/events',
  /** WebSocket subprotocols: the first names the protocol, the second carries the token. */
  eventsProtocol: 'terminal-events.v1',
  tokenProtocolPrefix: 'token.',
} as const;
