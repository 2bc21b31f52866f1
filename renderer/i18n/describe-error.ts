import type { TFunction } from 'i18next';
import type { ContractError } from '../../main/contract/contract.js';

/**
 * Words a contract error for the screen in the active language: by its `reason` when the core
 * gave one this screen knows (`errors.reason.*`), else by its code (`errors.code.*`). The core's
 * English `message` is shown only in the English UI, as the detail of an error without a reason.
 */
export function describeError(t: TFunction, language: string, error: ContractError): string {
  const params = { ...(error.details?.params ?? {}), retryAfterSeconds: error.details?.retryAfterSeconds ?? 0 };
  const reason = error.details?.reason;
  if (reason !== undefined) {
    const worded = t(`errors.reason.${reason}`, { ...params, defaultValue: '' });
    if (worded) return worded;
  }
  const byCode = t(`errors.code.${error.code}`, params);
  return language === 'en' && error.message ? `${byCode} (${error.message})` : byCode;
}
