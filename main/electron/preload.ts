/**
 * Electron preload (sandboxed, context-isolated): exposes one named function per contract
 * command on `window.terminal.commands`, and an event subscription. Never exposes ipcRenderer.
 * A sandboxed preload cannot load project modules, so the command names are listed here; the
 * type check below fails the build when they drift from the contract.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { CommandName, TerminalEvent } from '../contract/contract.js';

const commandNames = ['system.status', 'catalog.get', 'users.list', 'auth.login', 'auth.logout', 'sale.quote', 'sale.payCash', 'sale.startPayment', 'payment.status', 'payment.cancel', 'payment.refund', 'payment.open', 'kiosk.purchase', 'kiosk.vendStatus', 'sync.now', 'printer.reprint',
  // The technician console (main/core/technician-handlers.ts).
  'technician.syncHealth', 'technician.syncNow', 'technician.retryDeadLetter', 'technician.discardDeadLetter', 'technician.testPrint', 'technician.discoverDevices', 'technician.bindDevice', 'technician.slots', 'technician.refillSlots', 'technician.returnSlotToSale', 'technician.exportLogs',
] as const satisfies readonly CommandName[];
type MissingCommands = Exclude<CommandName, (typeof commandNames)[number]>;
const everyCommandListed: [MissingCommands] extends [never] ? true : MissingCommands = true;
void everyCommandListed;

const callChannel = 'terminal:call';
const eventChannel = 'terminal:event';

const commands = Object.fromEntries(commandNames.map((name) => [name, (input: unknown) => ipcRenderer.invoke(callChannel, name, input)]));

contextBridge.exposeInMainWorld('terminal', {
  commands,
  onEvent(listener: (event: TerminalEvent) => void): () => void {
    const forward = (_event: IpcRendererEvent, payload: TerminalEvent) => listener(payload);
    ipcRenderer.on(eventChannel, forward);
    return () => ipcRenderer.removeListener(eventChannel, forward);
  },
});
