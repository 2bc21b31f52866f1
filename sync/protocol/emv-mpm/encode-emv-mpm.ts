/**
 * Encoder for EMVCo merchant-presented QR payloads (EMV QRCPS MPM v1.1). It always emits a fully
 * conformant payload: `00` = "01" first, objects in ascending ID order, `63` (CRC-16/CCITT-FALSE,
 * uppercase hex) last; it never emits the national-profile shortcuts the decoder tolerates.
 * Throws `EmvMpmEncodeError` (never anything else) when the input cannot be encoded conformantly.
 */
import { formatMinorAsDecimal } from '../../../kernel/money.js';
import { crc16Hex } from '../../../kernel/crc16-ccitt-false.js';
import { additionalDataIds, additionalDataLengthRules, alternateLanguageIds, characterLength, emvMpmIds, maxPayloadLength } from './emv-mpm-fields.js';

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

// The encoder runs once per sale and in the `emv-encode` benchmark. It builds the payload in one
// pass: each template's values are checked (which yields their lengths, so the template's own
// length is known), then the template and its values are appended to the one payload string;
// no template body is built apart. Checks walk the characters instead of running regular
// expressions, and lengths come from a table instead of number formatting.

/** "00" to "99": the length field of a data object. */
const lengthTexts: readonly string[] = Array.from({ length: 100 }, (_, length) => (length < 10 ? `0${length}` : String(length)));

function lengthText(length: number): string {
  return lengthTexts[length] ?? String(length);
}

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

/** Two letters, uppercase only when UPPERCASEONLY. */
function isTwoLetters(value: string, uppercaseOnly: boolean): boolean {
  if (value.length !== 2) return false;
  for (let index = 0; index < 2; index += 1) {
    const code = value.charCodeAt(index);
    const upper = code >= 0x41 && code <= 0x5a;
    if (!upper && (uppercaseOnly || code < 0x61 || code > 0x7a)) return false;
  }
  return true;
}

/** `scope.name`, built only when an error needs it (field names are hot-path garbage otherwise). */
function fieldName(scope: string, name: string): string {
  return scope === '' ? name : `${scope}.${name}`;
}

/**
 * The length in characters of a required value, checked: present, ≤ MAXLENGTH, and printable
 * ASCII (EMV "ans") when ASCII. Throws `EmvMpmEncodeError` naming `scope.name`.
 */
function checkedLength(scope: string, name: string, value: string | undefined, maxLength: number, ascii: boolean): number {
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
  return length;
}

function checkTemplateLength(field: string, length: number): void {
  if (length > 99) throw new EmvMpmEncodeError('field-too-long', field, `${field} template is ${length} characters; the limit is 99`);
}

/** A merchant account template, checked: its sub-IDs in order and its length. */
interface CheckedAccount {
  readonly account: EmvMerchantAccount;
  readonly subIds: readonly string[];
  readonly length: number;
}

const noSubIds: readonly string[] = [];

function checkMerchantAccount(account: EmvMerchantAccount, index: number): CheckedAccount {
  const scope = index === 0 ? 'merchantAccounts[0]' : `merchantAccounts[${index}]`;
  const id = account.id;
  if (!isDigits(id, 2) || id < '26' || id > '51') {
    throw new EmvMpmEncodeError('invalid-field', `${scope}.id`, `merchant account template id must be "26" to "51", got "${id}"`);
  }
  let length = 4 + checkedLength(scope, 'globallyUniqueId', account.globallyUniqueId, 32, true);
  let subIds = noSubIds;
  if (account.fields) {
    const keys = Object.keys(account.fields);
    if (keys.length > 1) keys.sort();
    subIds = keys;
    for (const subId of subIds) {
      if (!isDigits(subId, 2) || subId === '00') throw new EmvMpmEncodeError('invalid-field', `${scope}.fields`, `sub-ids are "01" to "99", got "${subId}"`);
      length += 4 + checkedLength(scope, `fields.${subId}`, account.fields[subId], 99, true);
    }
  }
  checkTemplateLength(scope, length);
  return { account, subIds, length };
}

function appendMerchantAccount(payload: string, checked: CheckedAccount): string {
  const { account } = checked;
  payload += account.id + lengthText(checked.length) + '00' + lengthText(account.globallyUniqueId.length) + account.globallyUniqueId;
  for (const subId of checked.subIds) {
    const value = account.fields?.[subId] ?? '';
    payload += subId + lengthText(value.length) + value;
  }
  return payload;
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

function appendAdditionalData(payload: string, data: EmvAdditionalData): string {
  let length = 0;
  for (const key of additionalDataOrder) {
    const value = data[key];
    if (value !== undefined) length += 4 + checkedLength('additionalData', key, value, additionalDataLengthRules[additionalDataIds[key]] ?? 25, true);
  }
  if (length === 0) return payload;
  checkTemplateLength('additionalData', length);
  payload += emvMpmIds.additionalData + lengthText(length);
  for (const key of additionalDataOrder) {
    const value = data[key];
    if (value !== undefined) payload += additionalDataIds[key] + lengthText(value.length) + value;
  }
  return payload;
}

function appendAlternateLanguage(payload: string, language: EmvAlternateLanguage): string {
  const preference = language.languagePreference;
  if (!isTwoLetters(preference, false)) {
    throw new EmvMpmEncodeError('invalid-field', 'alternateLanguage.languagePreference', `alternateLanguage.languagePreference must be two letters (ISO 639), got "${preference}"`);
  }
  const nameLength = checkedLength('alternateLanguage', 'merchantName', language.merchantName, 25, false);
  const city = language.merchantCity;
  const cityLength = city === undefined ? 0 : checkedLength('alternateLanguage', 'merchantCity', city, 15, false);
  const length = 6 + 4 + nameLength + (city === undefined ? 0 : 4 + cityLength);
  checkTemplateLength('alternateLanguage', length);
  payload += emvMpmIds.alternateLanguage + lengthText(length) + alternateLanguageIds.languagePreference + '02' + preference;
  payload += alternateLanguageIds.merchantName + lengthText(nameLength) + language.merchantName;
  if (city !== undefined) payload += alternateLanguageIds.merchantCity + lengthText(cityLength) + city;
  return payload;
}

function amountText(input: EmvMpmEncodeInput): string | undefined {
  if (input.amountMinor === undefined) {
    if (input.pointOfInitiation === 'dynamic') throw new EmvMpmEncodeError('missing-field', 'amountMinor', 'a dynamic (point of initiation 12) code carries its amount');
    return undefined;
  }
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) {
    throw new EmvMpmEncodeError('invalid-field', 'amountMinor', `amountMinor must be a positive whole number of minor units, got ${String(input.amountMinor)}`);
  }
  const amount = formatMinorAsDecimal(input.amountMinor);
  if (amount.length > 13) throw new EmvMpmEncodeError('field-too-long', 'amountMinor', `amount "${amount}" is longer than 13 characters`);
  return amount;
}

/** The merchant account templates, checked in the order given, then sorted by ID (each ID once). */
function checkMerchantAccounts(accounts: readonly EmvMerchantAccount[]): readonly CheckedAccount[] {
  if (accounts.length === 0) throw new EmvMpmEncodeError('missing-field', 'merchantAccounts', 'at least one merchant account template is required');
  const first = accounts[0];
  if (accounts.length === 1 && first) return [checkMerchantAccount(first, 0)];
  const checked = accounts.map((account, index) => checkMerchantAccount(account, index));
  if (new Set(checked.map(({ account }) => account.id)).size !== checked.length) {
    throw new EmvMpmEncodeError('invalid-field', 'merchantAccounts', 'each merchant account template id may appear once');
  }
  return checked.sort((a, b) => (a.account.id < b.account.id ? -1 : 1));
}

/** Builds the payload, CRC included. */
export function encodeEmvMpm(input: EmvMpmEncodeInput): string {
  const accounts = checkMerchantAccounts(input.merchantAccounts);
  let payload = input.pointOfInitiation === 'dynamic' ? '000201010212' : '000201010211';
  for (const account of accounts) payload = appendMerchantAccount(payload, account);
  if (!isDigits(input.merchantCategoryCode, 4)) throw new EmvMpmEncodeError('invalid-field', 'merchantCategoryCode', `merchantCategoryCode must be 4 digits, got "${input.merchantCategoryCode}"`);
  payload += emvMpmIds.merchantCategoryCode + '04' + input.merchantCategoryCode;
  if (!isDigits(input.currencyNumeric, 3)) throw new EmvMpmEncodeError('invalid-field', 'currencyNumeric', `currencyNumeric must be 3 digits (ISO 4217 numeric), got "${input.currencyNumeric}"`);
  payload += emvMpmIds.transactionCurrency + '03' + input.currencyNumeric;
  const amount = amountText(input);
  if (amount !== undefined) payload += emvMpmIds.transactionAmount + lengthText(amount.length) + amount;
  if (!isTwoLetters(input.countryCode, true)) {
    throw new EmvMpmEncodeError('invalid-field', 'countryCode', `countryCode must be two uppercase letters (ISO 3166-1 alpha-2), got "${input.countryCode}"`);
  }
  payload += emvMpmIds.countryCode + '02' + input.countryCode;
  payload += emvMpmIds.merchantName + lengthText(checkedLength('', 'merchantName', input.merchantName, 25, true)) + input.merchantName;
  payload += emvMpmIds.merchantCity + lengthText(checkedLength('', 'merchantCity', input.merchantCity, 15, true)) + input.merchantCity;
  if (input.postalCode !== undefined) payload += emvMpmIds.postalCode + lengthText(checkedLength('', 'postalCode', input.postalCode, 10, true)) + input.postalCode;
  if (input.additionalData) payload = appendAdditionalData(payload, input.additionalData);
  // ID 64 sorts after 63, but the CRC must be the last object: the language template goes first.
  if (input.alternateLanguage) payload = appendAlternateLanguage(payload, input.alternateLanguage);
  payload += '6304';
  // UTF-16 length ≥ character length: only a long payload needs counting.
  const length = payload.length + 4 <= maxPayloadLength ? payload.length + 4 : characterLength(payload) + 4;
  if (length > maxPayloadLength) throw new EmvMpmEncodeError('payload-too-long', 'payload', `payload is ${length} characters; the limit is ${maxPayloadLength}`);
  return payload + crc16Hex(payload);
}
