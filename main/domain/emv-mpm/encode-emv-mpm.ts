/**
 * Encoder for EMVCo merchant-presented QR payloads (EMV QRCPS MPM v1.1). It always emits a fully
 * conformant payload: `00` = "01" first, objects in ascending ID order, `63` (CRC-16/CCITT-FALSE,
 * uppercase hex) last; it never emits the national-profile shortcuts the decoder tolerates.
 * Throws `EmvMpmEncodeError` (never anything else) when the input cannot be encoded conformantly.
 */
import { formatMinorAsDecimal } from '../money.js';
import { crc16Hex } from './crc16-ccitt-false.js';
import {
  additionalDataIds,
  additionalDataLengthRules,
  alternateLanguageIds,
  characterLength,
  emvMpmIds,
  isMerchantAccountTemplateId,
  maxPayloadLength,
} from './emv-mpm-fields.js';

export type EmvMpmEncodeErrorCode = 'missing-field' | 'invalid-field' | 'field-too-long' | 'payload-too-long';

export class EmvMpmEncodeError extends Error {
  override readonly name = 'EmvMpmEncodeError';
  constructor(
    readonly code: EmvMpmEncodeErrorCode,
    /** Which field, e.g. `merchantName` or `merchantAccounts[0].fields.01`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A merchant account information template (IDs 26–51). */
export interface EmvMerchantAccount {
  /** Template ID, "26" to "51". */
  readonly id: string;
  /** Sub-ID 00: globally unique identifier (reverse domain name or AID), ≤ 32 characters. */
  readonly globallyUniqueId: string;
  /** Further sub-objects by 2-digit sub-ID ("01"–"99"), emitted in ascending order. */
  readonly fields?: Readonly<Record<string, string>>;
}

/** The additional data field template (ID 62); each value ≤ 25 characters. */
export interface EmvAdditionalData {
  readonly billNumber?: string;
  readonly mobileNumber?: string;
  readonly storeLabel?: string;
  readonly loyaltyNumber?: string;
  readonly referenceLabel?: string;
  readonly customerLabel?: string;
  readonly terminalLabel?: string;
  readonly purposeOfTransaction?: string;
}

/** The merchant information language template (ID 64), e.g. the Chinese name and city. */
export interface EmvAlternateLanguage {
  /** ISO 639 two-letter code, e.g. "ZH". */
  readonly languagePreference: string;
  /** ≤ 25 characters, any script. */
  readonly merchantName: string;
  /** ≤ 15 characters, any script. */
  readonly merchantCity?: string;
}

export interface EmvMpmEncodeInput {
  /** `dynamic` (ID 01 = "12", one payment, amount required) or `static` ("11", reusable). */
  readonly pointOfInitiation: 'static' | 'dynamic';
  /** At least one. */
  readonly merchantAccounts: readonly EmvMerchantAccount[];
  /** ISO 18245 merchant category code, 4 digits (5812 = restaurants). */
  readonly merchantCategoryCode: string;
  /** ISO 4217 numeric currency, 3 digits (CNY = "156"). */
  readonly currencyNumeric: string;
  /**
   * Amount in minor units of a two-decimal currency (CNY fen), written as e.g. "12.50".
   * Required for a dynamic code; optional for a static one. Must be positive when present.
   */
  readonly amountMinor?: number;
  /** ISO 3166-1 alpha-2, uppercase. */
  readonly countryCode: string;
  /** ≤ 25 characters of the EMV "ans" set (printable ASCII); Chinese goes in `alternateLanguage`. */
  readonly merchantName: string;
  /** ≤ 15 printable ASCII characters. */
  readonly merchantCity: string;
  /** ≤ 10 printable ASCII characters. */
  readonly postalCode?: string;
  readonly additionalData?: EmvAdditionalData;
  readonly alternateLanguage?: EmvAlternateLanguage;
}

const printableAscii = /^[\x20-\x7E]+$/;
const subId = /^\d\d$/;

function tlv(id: string, value: string): string {
  const length = characterLength(value);
  return `${id}${length < 10 ? '0' : ''}${length}${value}`;
}

function requireText(field: string, value: string | undefined, maxLength: number, ascii: boolean): string {
  if (value === undefined || value.length === 0) throw new EmvMpmEncodeError('missing-field', field, `${field} is required and must not be empty`);
  const length = characterLength(value);
  if (length > maxLength) throw new EmvMpmEncodeError('field-too-long', field, `${field} is ${length} characters; the limit is ${maxLength}`);
  if (ascii && !printableAscii.test(value)) {
    throw new EmvMpmEncodeError('invalid-field', field, `${field} must be printable ASCII (EMV "ans"); put other scripts in the alternate-language template`);
  }
  return value;
}

function requirePattern(field: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new EmvMpmEncodeError('invalid-field', field, `${field} must be ${what}, got "${value}"`);
  return value;
}

function template(field: string, id: string, body: string): string {
  const length = characterLength(body);
  if (length > 99) throw new EmvMpmEncodeError('field-too-long', field, `${field} template is ${length} characters; the limit is 99`);
  return tlv(id, body);
}

function encodeMerchantAccount(account: EmvMerchantAccount, index: number): string {
  const field = `merchantAccounts[${index}]`;
  if (!isMerchantAccountTemplateId(account.id)) {
    throw new EmvMpmEncodeError('invalid-field', `${field}.id`, `merchant account template id must be "26" to "51", got "${account.id}"`);
  }
  let body = tlv('00', requireText(`${field}.globallyUniqueId`, account.globallyUniqueId, 32, true));
  const subIds = Object.keys(account.fields ?? {}).sort();
  for (const id of subIds) {
    if (!subId.test(id) || id === '00') throw new EmvMpmEncodeError('invalid-field', `${field}.fields`, `sub-ids are "01" to "99", got "${id}"`);
    body += tlv(id, requireText(`${field}.fields.${id}`, account.fields?.[id], 99, true));
  }
  return template(field, account.id, body);
}

const additionalDataOrder: readonly (keyof EmvAdditionalData)[] = [
  'billNumber',
  'mobileNumber',
  'storeLabel',
  'loyaltyNumber',
  'referenceLabel',
  'customerLabel',
  'terminalLabel',
  'purposeOfTransaction',
];

function encodeAdditionalData(data: EmvAdditionalData): string {
  let body = '';
  for (const key of additionalDataOrder) {
    const value = data[key];
    if (value === undefined) continue;
    const id = additionalDataIds[key];
    body += tlv(id, requireText(`additionalData.${key}`, value, additionalDataLengthRules[id] ?? 25, true));
  }
  return body === '' ? '' : template('additionalData', emvMpmIds.additionalData, body);
}

function encodeAlternateLanguage(language: EmvAlternateLanguage): string {
  let body = tlv(alternateLanguageIds.languagePreference, requirePattern('alternateLanguage.languagePreference', language.languagePreference, /^[A-Za-z]{2}$/, 'two letters (ISO 639)'));
  body += tlv(alternateLanguageIds.merchantName, requireText('alternateLanguage.merchantName', language.merchantName, 25, false));
  if (language.merchantCity !== undefined) {
    body += tlv(alternateLanguageIds.merchantCity, requireText('alternateLanguage.merchantCity', language.merchantCity, 15, false));
  }
  return template('alternateLanguage', emvMpmIds.alternateLanguage, body);
}

function encodeAmount(input: EmvMpmEncodeInput): string {
  if (input.amountMinor === undefined) {
    if (input.pointOfInitiation === 'dynamic') throw new EmvMpmEncodeError('missing-field', 'amountMinor', 'a dynamic (point of initiation 12) code carries its amount');
    return '';
  }
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) {
    throw new EmvMpmEncodeError('invalid-field', 'amountMinor', `amountMinor must be a positive whole number of minor units, got ${String(input.amountMinor)}`);
  }
  const amount = formatMinorAsDecimal(input.amountMinor);
  if (amount.length > 13) throw new EmvMpmEncodeError('field-too-long', 'amountMinor', `amount "${amount}" is longer than 13 characters`);
  return tlv(emvMpmIds.transactionAmount, amount);
}

/** Builds the payload, CRC included. */
export function encodeEmvMpm(input: EmvMpmEncodeInput): string {
  if (input.merchantAccounts.length === 0) throw new EmvMpmEncodeError('missing-field', 'merchantAccounts', 'at least one merchant account template is required');
  const accounts = input.merchantAccounts.map((account, index) => ({ id: account.id, text: encodeMerchantAccount(account, index) }));
  const ids = new Set(accounts.map((account) => account.id));
  if (ids.size !== accounts.length) throw new EmvMpmEncodeError('invalid-field', 'merchantAccounts', 'each merchant account template id may appear once');
  accounts.sort((a, b) => (a.id < b.id ? -1 : 1));

  let payload = '000201';
  payload += input.pointOfInitiation === 'dynamic' ? '010212' : '010211';
  for (const account of accounts) payload += account.text;
  payload += tlv(emvMpmIds.merchantCategoryCode, requirePattern('merchantCategoryCode', input.merchantCategoryCode, /^\d{4}$/, '4 digits'));
  payload += tlv(emvMpmIds.transactionCurrency, requirePattern('currencyNumeric', input.currencyNumeric, /^\d{3}$/, '3 digits (ISO 4217 numeric)'));
  payload += encodeAmount(input);
  payload += tlv(emvMpmIds.countryCode, requirePattern('countryCode', input.countryCode, /^[A-Z]{2}$/, 'two uppercase letters (ISO 3166-1 alpha-2)'));
  payload += tlv(emvMpmIds.merchantName, requireText('merchantName', input.merchantName, 25, true));
  payload += tlv(emvMpmIds.merchantCity, requireText('merchantCity', input.merchantCity, 15, true));
  if (input.postalCode !== undefined) payload += tlv(emvMpmIds.postalCode, requireText('postalCode', input.postalCode, 10, true));
  if (input.additionalData) payload += encodeAdditionalData(input.additionalData);
  // ID 64 sorts after 63, but the CRC must be the last object: the language template goes first.
  if (input.alternateLanguage) payload += encodeAlternateLanguage(input.alternateLanguage);
  payload += '6304';
  const length = characterLength(payload) + 4;
  if (length > maxPayloadLength) throw new EmvMpmEncodeError('payload-too-long', 'payload', `payload is ${length} characters; the limit is ${maxPayloadLength}`);
  return payload + crc16Hex(payload);
}
