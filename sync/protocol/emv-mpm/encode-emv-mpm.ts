/**
 * Encoder for EMVCo merchant-presented QR payloads (EMV QRCPS MPM v1.1). It always emits a fully
 * conformant payload: `00` = "01" first, objects in ascending ID order, `63` (CRC-16/CCITT-FALSE,
 * uppercase hex) last; it never emits the national-profile shortcuts the decoder tolerates.
 * Throws `EmvMpmEncodeError` (never anything else) when the input cannot be encoded conformantly.
 */
import { formatMinorAsDecimal } from '../../../kernel/money.js';
import { crc16Hex } from '../../../kernel/crc16-ccitt-false.js';
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

const subId = /^\d\d$/;

// The encoder runs once per sale and in the `emv-encode` benchmark: the checks below walk the
// characters once instead of running several regular expressions per field.

/** Length of `value` when it is all printable ASCII (EMV "ans"), else -1. */
function printableAsciiLength(value: string): number {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code > 0x7e) return -1;
  }
  return value.length;
}

function isDigits(value: string, length: number): boolean {
  if (value.length !== length) return false;
  for (let index = 0; index < length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/** ID, 2-digit length, value; `length` in characters. */
function tlv(id: string, value: string, length: number): string {
  return `${id}${length < 10 ? '0' : ''}${length}${value}`;
}

/** `scope.name`, built only when an error needs it (field names are hot-path garbage otherwise). */
function fieldName(scope: string, name: string): string {
  return scope === '' ? name : `${scope}.${name}`;
}

/** A required value as a TLV; `ascii` restricts it to the EMV "ans" set. */
function textTlv(scope: string, name: string, id: string, value: string | undefined, maxLength: number, ascii: boolean): string {
  if (value === undefined || value.length === 0) {
    const field = fieldName(scope, name);
    throw new EmvMpmEncodeError('missing-field', field, `${field} is required and must not be empty`);
  }
  let length = ascii ? printableAsciiLength(value) : characterLength(value);
  if (length < 0) {
    length = characterLength(value);
    if (length <= maxLength) {
      const field = fieldName(scope, name);
      throw new EmvMpmEncodeError('invalid-field', field, `${field} must be printable ASCII (EMV "ans"); put other scripts in the alternate-language template`);
    }
  }
  if (length > maxLength) {
    const field = fieldName(scope, name);
    throw new EmvMpmEncodeError('field-too-long', field, `${field} is ${length} characters; the limit is ${maxLength}`);
  }
  return tlv(id, value, length);
}

function digitsTlv(field: string, id: string, value: string, length: number, what: string): string {
  if (!isDigits(value, length)) throw new EmvMpmEncodeError('invalid-field', field, `${field} must be ${what}, got "${value}"`);
  return tlv(id, value, length);
}

/** `asciiBody`: every value inside was checked printable ASCII, so UTF-16 units are characters. */
function template(field: string, id: string, body: string, asciiBody: boolean): string {
  const length = asciiBody ? body.length : characterLength(body);
  if (length > 99) throw new EmvMpmEncodeError('field-too-long', field, `${field} template is ${length} characters; the limit is 99`);
  return tlv(id, body, length);
}

function encodeMerchantAccount(account: EmvMerchantAccount, index: number): string {
  const scope = index === 0 ? 'merchantAccounts[0]' : `merchantAccounts[${index}]`;
  if (!isMerchantAccountTemplateId(account.id)) {
    throw new EmvMpmEncodeError('invalid-field', `${scope}.id`, `merchant account template id must be "26" to "51", got "${account.id}"`);
  }
  let body = textTlv(scope, 'globallyUniqueId', '00', account.globallyUniqueId, 32, true);
  if (account.fields) {
    const subIds = Object.keys(account.fields);
    if (subIds.length > 1) subIds.sort();
    for (const id of subIds) {
      if (!subId.test(id) || id === '00') throw new EmvMpmEncodeError('invalid-field', `${scope}.fields`, `sub-ids are "01" to "99", got "${id}"`);
      body += textTlv(scope, `fields.${id}`, id, account.fields[id], 99, true);
    }
  }
  return template(scope, account.id, body, true);
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
    body += textTlv('additionalData', key, id, value, additionalDataLengthRules[id] ?? 25, true);
  }
  return body === '' ? '' : template('additionalData', emvMpmIds.additionalData, body, true);
}

function encodeAlternateLanguage(language: EmvAlternateLanguage): string {
  const preference = language.languagePreference;
  if (!/^[A-Za-z]{2}$/.test(preference)) {
    throw new EmvMpmEncodeError('invalid-field', 'alternateLanguage.languagePreference', `alternateLanguage.languagePreference must be two letters (ISO 639), got "${preference}"`);
  }
  let body = tlv(alternateLanguageIds.languagePreference, preference, 2);
  body += textTlv('alternateLanguage', 'merchantName', alternateLanguageIds.merchantName, language.merchantName, 25, false);
  if (language.merchantCity !== undefined) {
    body += textTlv('alternateLanguage', 'merchantCity', alternateLanguageIds.merchantCity, language.merchantCity, 15, false);
  }
  return template('alternateLanguage', emvMpmIds.alternateLanguage, body, false);
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
  return tlv(emvMpmIds.transactionAmount, amount, amount.length);
}

/** Builds the payload, CRC included. */
export function encodeEmvMpm(input: EmvMpmEncodeInput): string {
  const accounts = input.merchantAccounts;
  if (accounts.length === 0) throw new EmvMpmEncodeError('missing-field', 'merchantAccounts', 'at least one merchant account template is required');
  let accountsText: string;
  if (accounts.length === 1 && accounts[0]) {
    accountsText = encodeMerchantAccount(accounts[0], 0);
  } else {
    const encoded = accounts.map((account, index) => ({ id: account.id, text: encodeMerchantAccount(account, index) }));
    if (new Set(encoded.map((account) => account.id)).size !== encoded.length) {
      throw new EmvMpmEncodeError('invalid-field', 'merchantAccounts', 'each merchant account template id may appear once');
    }
    encoded.sort((a, b) => (a.id < b.id ? -1 : 1));
    accountsText = encoded.map((account) => account.text).join('');
  }

  let payload = input.pointOfInitiation === 'dynamic' ? '000201010212' : '000201010211';
  payload += accountsText;
  payload += digitsTlv('merchantCategoryCode', emvMpmIds.merchantCategoryCode, input.merchantCategoryCode, 4, '4 digits');
  payload += digitsTlv('currencyNumeric', emvMpmIds.transactionCurrency, input.currencyNumeric, 3, '3 digits (ISO 4217 numeric)');
  payload += encodeAmount(input);
  if (!/^[A-Z]{2}$/.test(input.countryCode)) {
    throw new EmvMpmEncodeError('invalid-field', 'countryCode', `countryCode must be two uppercase letters (ISO 3166-1 alpha-2), got "${input.countryCode}"`);
  }
  payload += tlv(emvMpmIds.countryCode, input.countryCode, 2);
  payload += textTlv('', 'merchantName', emvMpmIds.merchantName, input.merchantName, 25, true);
  payload += textTlv('', 'merchantCity', emvMpmIds.merchantCity, input.merchantCity, 15, true);
  if (input.postalCode !== undefined) payload += textTlv('', 'postalCode', emvMpmIds.postalCode, input.postalCode, 10, true);
  if (input.additionalData) payload += encodeAdditionalData(input.additionalData);
  // ID 64 sorts after 63, but the CRC must be the last object: the language template goes first.
  if (input.alternateLanguage) payload += encodeAlternateLanguage(input.alternateLanguage);
  payload += '6304';
  // UTF-16 length ≥ character length: only a long payload needs counting.
  const length = payload.length + 4 <= maxPayloadLength ? payload.length + 4 : characterLength(payload) + 4;
  if (length > maxPayloadLength) throw new EmvMpmEncodeError('payload-too-long', 'payload', `payload is ${length} characters; the limit is ${maxPayloadLength}`);
  return payload + crc16Hex(payload);
}
