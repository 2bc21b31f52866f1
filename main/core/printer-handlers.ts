/**
 * The printer commands of the contract (`printer.reprint`), spread into the core's handler map.
 * The receipt printing itself is built by the composition root (main/app/setup-devices.ts) and
 * handed to the core as a `ReceiptReprinter`; without one the command answers `unavailable`.
 */
import type { OperatorSessions } from '../auth/operator-sessions.js';
import type { CommandInput, CommandName, CommandOutput } from '../contract/contract.js';
import { CommandError } from './command-error.js';

export type PrinterCommandName = 'printer.reprint';
export type PrinterCommandHandlers = { [K in PrinterCommandName & CommandName]: (input: CommandInput<K>) => Promise<CommandOutput<K>> };

/** What the core needs from the receipt printing set up by the composition root. */
export interface ReceiptReprinter {
  /**
   * Queues a reprint of ORDERID's receipt (a new job each call, marked as a reprint) and drains;
   * resolves with what happened to it, or undefined when the journal has no such order.
   * Printer faults never reject: they come back as `queued` with the reason.
   */
  reprint(orderId: string): Promise<CommandOutput<'printer.reprint'> | undefined>;
}

export interface PrinterHandlerDeps {
  readonly printing: ReceiptReprinter | undefined;
  readonly sessions: OperatorSessions;
}

export function createPrinterHandlers(deps: PrinterHandlerDeps): PrinterCommandHandlers {
  return {
    'printer.reprint': async ({ orderId, sessionId }) => {
      // 'sale.create' is what both cashiers and supervisors hold: whoever may sell may reprint.
      deps.sessions.require(sessionId, 'sale.create');
      const printing = deps.printing;
      if (!printing) throw new CommandError('unavailable', 'no receipt printer is configured on this terminal (devices.receiptPrinter)');
      const outcome = await printing.reprint(orderId);
      if (!outcome) throw new CommandError('not-found', `no order "${orderId}"`);
      return outcome;
    },
  };
}
