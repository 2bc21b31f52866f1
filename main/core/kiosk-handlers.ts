/**
 * The kiosk's vending commands (`kiosk.purchase`, `kiosk.vendStatus`), spread into the core's
 * handler map. Converts vend and payment service errors into typed contract errors: a slot out of
 * sale or out of stock is `conflict`, a running selection `conflict` (retryable), resolving or no
 * network `unavailable` (retryable).
 */
import type { CommandInput, CommandName, CommandOutput } from '../contract/contract.js';
import { PaymentServiceError } from '../payments/payment-service.js';
import { VendServiceError, type VendService, type VendServiceErrorCode } from '../vending/vend-service.js';
import { CommandError, translatingErrors } from './command-error.js';
import type { ContractErrorCode } from '../contract/contract.js';

export type KioskCommandName = 'kiosk.purchase' | 'kiosk.vendStatus';
export type KioskCommandHandlers = { [K in KioskCommandName & CommandName]: (input: CommandInput<K>) => Promise<CommandOutput<K>> };

const contractCodes: Record<VendServiceErrorCode, ContractErrorCode> = {
  'no-such-slot': 'not-found',
  'out-of-sale': 'conflict',
  'out-of-stock': 'conflict',
  busy: 'conflict',
  resolving: 'unavailable',
  'not-found': 'not-found',
  'illegal-transition': 'internal',
  'over-capacity': 'invalid-argument',
  'not-out-of-sale': 'conflict',
};

/** Vend and payment service errors as typed contract errors; anything else unchanged. */
export function kioskErrorToCommandError(error: unknown): unknown {
  if (error instanceof VendServiceError) return new CommandError(contractCodes[error.code], error.message, error.retryable);
  if (error instanceof PaymentServiceError) return new CommandError(error.code, error.message, error.retryable);
  return error;
}

/** VENDING is absent outside kiosk mode, or when the board could not be opened: the commands then answer `unavailable`. */
export function createKioskHandlers(deps: { readonly vending: VendService | undefined }): KioskCommandHandlers {
  const service = (): VendService => {
    if (!deps.vending) throw new CommandError('unavailable', 'vending is not set up on this terminal (kiosk mode with a vending board; see the log)');
    return deps.vending;
  };
  const guarded = translatingErrors(kioskErrorToCommandError);
  return {
    'kiosk.purchase': ({ slot }) => guarded(() => service().purchase(slot)),
    'kiosk.vendStatus': ({ paymentIntentId }) => guarded(() => service().status(paymentIntentId)),
  };
}
