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

/**
 * A runner for handler bodies: runs WORK and rethrows any failure as TRANSLATE makes it, so a
 * service's own errors reach the UI as `CommandError`s (the dispatcher turns the rest into `internal`).
 */
export function translatingErrors(translate: (error: unknown) => unknown): <T>(work: () => Promise<T> | T) => Promise<T> {
  return async (work) => {
    try {
      return await work();
    } catch (error) {
      throw translate(error);
    }
  };
}
