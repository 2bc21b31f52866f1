import type { ContractError, ContractErrorCode } from '../contract/contract.js';

/** An expected failure of a command, carried to the UI as a typed `ContractError`. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: ContractErrorCode,
    message: string,
    readonly retryable = false,
    readonly details?: ContractError['details'],
  ) {
    super(message);
  }

  toContractError(): ContractError {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}
