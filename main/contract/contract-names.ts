/**
 * The contract's names without its schemas: the command list and the transport names. The
 * renderer imports only these values (and types) from main/contract, so its bundle carries no
 * zod and no schemas; the core validates every call anyway. Kept in step with contract.ts by
 * the compiler (a command missing here fails `tsc`).
 */
import type { CommandName } from './contract.js';

export const commandNames = [
  'system.status',
  'catalog.get',
  'users.list',
  'auth.login',
  'auth.logout',
  'sale.quote',
  'sale.payCash',
  'sale.startPayment',
  'payment.status',
  'payment.cancel',
  'payment.refund',
  'payment.open',
  'kiosk.purchase',
  'kiosk.vendStatus',
  'sync.now',
  'printer.reprint',
  'technician.syncHealth',
  'technician.syncNow',
  'technician.retryDeadLetter',
  'technician.discardDeadLetter',
  'technician.testPrint',
  'technician.discoverDevices',
  'technician.bindDevice',
  'technician.slots',
  'technician.refillSlots',
  'technician.returnSlotToSale',
  'technician.exportLogs',
] as const satisfies readonly CommandName[];

type MissingCommands = Exclude<CommandName, (typeof commandNames)[number]>;
/** Compiles only while every command of the contract is listed above. */
const _everyCommandListed: [MissingCommands] extends [never] ? true : MissingCommands = true;

/** Transport-neutral names shared by the Electron preload and the browser-mode host. */
export const ipcChannels = { call: 'terminal:call', event: 'terminal:event' } as const;
export const browserApi = {
  callPathPrefix: '/api/call/',
  eventsPath: '/api/events',
  /** WebSocket subprotocols: the first names the protocol, the second carries the token. */
  eventsProtocol: 'terminal-events.v1',
  tokenProtocolPrefix: 'token.',
  /** `POST {"code": "<launch code>"}` (no token) answers the token once per code (main/host/launch-code.ts). */
  launchPath: '/api/launch',
} as const;
