/**
 * Decoder and validator for EMVCo merchant-presented QR payloads (EMV QRCPS MPM v1.1).
 *
 * Contract: never throws, whatever the string. The result lists every object it could read
 * (`tags`, templates as nested objects) and says why the payload is or is not conformant:
 * `valid` is true exactly when `errors` is empty. Errors are what no wallet can read reliably:
 * broken ID-length-value structure, a missing or wrong CRC, missing mandatory objects, a wrong
 * payload format indicator, and values of the wrong form (fixed lengths, digits, known codes).
 * Deviations that payloads in the wild carry and wallets accept produce warnings, not errors:
 * the spec's maximum lengths (root objects such as a merchant city over 15 characters,
 * template sub-objects, the 512-character payload), and national profiles (PromptPay and VietQR
 * omit 52/59/60; some issuers put "02" in ID 00). Lengths count characters (code points); the
 * CRC covers the UTF-8 bytes of everything before its value, `6304` included, compared
 * case-insensitively.
 */
import { currencies } from '../../../kernel/money.js';
import { crc16Hex } from '../../../kernel/crc16-ccitt-false.js';
import {
  additionalDataIds,
  additionalDataLengthRules,
  alternateLanguageIds,
  alternateLanguageLengthRules,
  characterLength,
  emvMpmIds,
  isMerchantAccountTemplateId,
  isReservedMerchantAccountId,
  isTemplateId,
  isUnreservedTemplateId,
  maxPayloadLength,
  rootLengthRules,
  type PointOfInitiation,
} from './emv-mpm-fields.js';

export type EmvMpmIssueCode =
  | 'empty'
  | 'malformed-tlv'
  | 'duplicate-id'
  | 'payload-format-not-first'
  | 'payload-format-value'
  | 'crc-missing'
  | 'crc-not-last'
  | 'crc-mismatch'
  | 'crc-lowercase'
  | 'missing-field'
  | 'invalid-field'
  | 'field-length'
  | 'field-too-long'
  | 'malformed-template'
  | 'national-profile'
  | 'non-ascii'
  | 'rfu-id'
  | 'payload-too-long';

export interface EmvMpmIssue {
  readonly code: EmvMpmIssueCode;
  /** Where: a root ID ("59") or root and sub-ID ("62.07"). */
  readonly id?: string;
  readonly message: string;
}

/** A template's sub-objects by sub-ID. */
export type EmvTemplateValue = Readonly<Record<string, string>>;
export type EmvTagValue = string | EmvTemplateValue;

export interface EmvDecodedMerchantAccount {
  readonly id: string;
  /** Sub-ID 00 of a template (26–51), null for the primitive scheme IDs 02–25. */
  readonly globallyUniqueId: string | null;
  /** The template's sub-objects, or the primitive value under key "value". */
  readonly fields: EmvTemplateValue;
}

export interface EmvDecodedAdditionalData {
  readonly billNumber: string | null;
  readonly referenceLabel: string | null;
  readonly terminalLabel: string | null;
  readonly storeLabel: string | null;
  readonly customerLabel: string | null;
  readonly mobileNumber: string | null;
  readonly purposeOfTransaction: string | null;
}

export interface EmvDecodedAlternateLanguage {
  readonly languagePreference: string | null;
  readonly merchantName: string | null;
  readonly merchantCity: string | null;
}

export interface EmvMpmDecodeResult {
  /** True exactly when `errors` is empty. */
  readonly valid: boolean;
  readonly errors: readonly EmvMpmIssue[];
  readonly warnings: readonly EmvMpmIssue[];
  readonly payloadFormatIndicator: string | null;
  readonly pointOfInitiation: PointOfInitiation | null;
  readonly merchantAccounts: readonly EmvDecodedMerchantAccount[];
  readonly mcc: string | null;
  /** ISO 4217 numeric, as written. */
  readonly currency: string | null;
  /** As written, e.g. "12.50". */
  readonly amount: string | null;
  /** The amount in fen when the currency is CNY (156) and the amount has at most 2 decimals. */
  readonly amountMinor: number | null;
  readonly country: string | null;
  readonly merchantName: string | null;
  readonly merchantCity: string | null;
  readonly postalCode: string | null;
  readonly additionalData: EmvDecodedAdditionalData | null;
  readonly alternateLanguage: EmvDecodedAlternateLanguage | null;
  /** The CRC as written in ID 63. */
  readonly crc: string | null;
  /** The CRC computed over the payload (uppercase), when ID 63 is last and 4 characters. */
  readonly computedCrc: string | null;
  /** Every root object by ID; templates (26–51, 62, 64, 80–99) as nested objects. */
  readonly tags: Readonly<Record<string, EmvTagValue>>;
}

interface TlvEntry {
  readonly id: string;
  readonly value: string;
}

interface TlvList {
  readonly entries: readonly TlvEntry[];
  /** Why reading stopped early, if it did. */
  readonly failure: string | null;
}

/** Splits `text` into ID-length-value objects; lengths count code points. */
function readTlvList(text: string): TlvList {
  const characters = Array.from(text);
  const entries: TlvEntry[] = [];
  let position = 0;
  while (position < characters.length) {
    if (position + 4 > characters.length) {
      return { entries, failure: `truncated object header at character ${position}` };
    }
    const id = characters.slice(position, position + 2).join('');
    const lengthText = characters.slice(position + 2, position + 4).join('');
    if (!/^\d\d$/.test(id)) return { entries, failure: `ID "${id}" at character ${position} is not two digits` };
    if (!/^\d\d$/.test(lengthText)) return { entries, failure: `length "${lengthText}" of ID ${id} at character ${position + 2} is not two digits` };
    const length = Number(lengthText);
    const end = position + 4 + length;
    if (end > characters.length) {
      return { entries, failure: `ID ${id} declares ${length} characters but only ${characters.length - position - 4} remain` };
    }
    entries.push({ id, value: characters.slice(position + 4, end).join('') });
    position = end;
  }
  return { entries, failure: null };
}

/** What the spec calls the root objects, for messages. */
const rootLabels: Readonly<Record<string, string>> = {
  '00': 'payload format indicator',
  '01': 'point of initiation',
  '52': 'merchant category code',
  '53': 'transaction currency',
  '54': 'transaction amount',
  '55': 'tip or convenience indicator',
  '56': 'fixed convenience fee',
  '57': 'convenience fee percentage',
  '58': 'country code',
  '59': 'merchant name',
  '60': 'merchant city',
  '61': 'postal code',
  '63': 'CRC',
};

/** What the spec calls the additional data template's sub-objects (ID 62), for messages. */
const additionalDataLabels: Readonly<Record<string, string>> = {
  '01': 'bill number',
  '02': 'mobile number',
  '03': 'store label',
  '04': 'loyalty number',
  '05': 'reference label',
  '06': 'customer label',
  '07': 'terminal label',
  '08': 'purpose of transaction',
  '09': 'additional consumer data request',
};

/** What the spec calls the language template's sub-objects (ID 64), for messages. */
const alternateLanguageLabels: Readonly<Record<string, string>> = {
  '00': 'language preference',
  '01': 'alternate merchant name',
  '02': 'alternate merchant city',
};

const printableAscii = /^[\x20-\x7E]*$/;
const amountPattern = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

class IssueCollector {
  readonly errors: EmvMpmIssue[] = [];
  readonly warnings: EmvMpmIssue[] = [];
  error(code: EmvMpmIssueCode, id: string | undefined, message: string): void {
    this.errors.push(id === undefined ? { code, message } : { code, id, message });
  }
  warn(code: EmvMpmIssueCode, id: string | undefined, message: string): void {
    this.warnings.push(id === undefined ? { code, message } : { code, id, message });
  }
}

/** "merchant city (ID 60)", "bill number (ID 62.01)", or "ID 62.10" for objects without a name. */
function describeObject(where: string, label: string | undefined): string {
  return label === undefined ? `ID ${where}` : `${label} (ID ${where})`;
}

/**
 * A fixed length that does not match is an error (the value cannot be what the spec means); a
 * value over its maximum length is a warning (common in the wild, and readable all the same).
 */
function checkLength(issues: IssueCollector, where: string, label: string | undefined, value: string, rule: { readonly max: number; readonly exact?: boolean } | undefined): void {
  if (!rule) return;
  const length = characterLength(value);
  const object = describeObject(where, label);
  if (rule.exact && length !== rule.max) issues.error('field-length', where, `${object} must be ${rule.max} characters, is ${length}`);
  else if (length > rule.max) issues.warn('field-too-long', where, `${object} is ${length} characters; EMVCo allows at most ${rule.max}`);
}

function decodeTemplate(issues: IssueCollector, id: string, value: string): EmvTagValue {
  const list = readTlvList(value);
  if (list.failure !== null) {
    const message = `template ${id} is not a list of ID-length-value objects: ${list.failure}`;
    // Unreserved templates (80–99) belong to their issuer; a different inner layout is theirs to define.
    if (isUnreservedTemplateId(id)) issues.warn('malformed-template', id, message);
    else issues.error('malformed-template', id, message);
    return value;
  }
  const template: Record<string, string> = {};
  for (const entry of list.entries) {
    if (Object.hasOwn(template, entry.id)) issues.error('duplicate-id', `${id}.${entry.id}`, `sub-ID ${entry.id} appears more than once in template ${id}`);
    else template[entry.id] = entry.value;
  }
  return template;
}

function validateMerchantAccountTemplate(issues: IssueCollector, id: string, template: EmvTemplateValue): void {
  const gui = template['00'];
  if (gui === undefined) issues.error('missing-field', `${id}.00`, `merchant account template ${id} has no globally unique identifier (sub-ID 00)`);
  else checkLength(issues, `${id}.00`, 'globally unique identifier', gui, { max: 32 });
}

function validateAdditionalData(issues: IssueCollector, template: EmvTemplateValue): void {
  for (const [subId, subValue] of Object.entries(template)) {
    const max = additionalDataLengthRules[subId];
    if (max !== undefined) checkLength(issues, `62.${subId}`, additionalDataLabels[subId], subValue, { max });
  }
}

function validateAlternateLanguage(issues: IssueCollector, template: EmvTemplateValue): void {
  for (const subId of [alternateLanguageIds.languagePreference, alternateLanguageIds.merchantName]) {
    if (template[subId] === undefined) issues.error('missing-field', `64.${subId}`, `the alternate-language template needs sub-ID ${subId}`);
  }
  for (const [subId, subValue] of Object.entries(template)) checkLength(issues, `64.${subId}`, alternateLanguageLabels[subId], subValue, alternateLanguageLengthRules[subId]);
}

function templateOrNull(value: EmvTagValue | undefined): EmvTemplateValue | null {
  return value !== undefined && typeof value !== 'string' ? value : null;
}

function stringOrNull(value: EmvTagValue | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

function amountInFen(currency: string | null, amount: string | null): number | null {
  if (currency !== currencies.CNY.numeric || amount === null) return null;
  const match = /^(\d{1,13})(?:\.(\d{0,2}))?$/.exec(amount);
  if (!match) return null;
  const minor = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}

function validateRoot(issues: IssueCollector, tags: Readonly<Record<string, EmvTagValue>>): void {
  const text = (id: string): string | undefined => stringOrNull(tags[id]) ?? undefined;

  const format = text(emvMpmIds.payloadFormatIndicator);
  if (format === '02') issues.warn('national-profile', '00', 'payload format indicator "02" is a national-profile variant; EMVCo defines "01"');
  else if (format !== undefined && format !== '01') issues.error('payload-format-value', '00', `payload format indicator must be "01", is "${format}"`);

  const initiation = text(emvMpmIds.pointOfInitiation);
  if (initiation !== undefined && initiation !== '11' && initiation !== '12') {
    issues.error('invalid-field', '01', `point of initiation must be "11" (static) or "12" (dynamic), is "${initiation}"`);
  }

  const accountIds = Object.keys(tags).filter((id) => isReservedMerchantAccountId(id) || isMerchantAccountTemplateId(id));
  if (accountIds.length === 0) issues.error('missing-field', '26', 'no merchant account information (IDs 02–51)');

  for (const [id, label] of [
    [emvMpmIds.merchantCategoryCode, 'merchant category code'],
    [emvMpmIds.merchantName, 'merchant name'],
    [emvMpmIds.merchantCity, 'merchant city'],
  ] as const) {
    if (tags[id] === undefined) issues.warn('national-profile', id, `${label} (ID ${id}) is missing: mandatory in EMVCo, omitted by some national profiles (PromptPay, VietQR)`);
  }
  for (const [id, label] of [
    [emvMpmIds.transactionCurrency, 'transaction currency'],
    [emvMpmIds.countryCode, 'country code'],
  ] as const) {
    if (tags[id] === undefined) issues.error('missing-field', id, `${label} (ID ${id}) is mandatory`);
  }

  for (const [id, value] of Object.entries(tags)) {
    if (typeof value === 'string') checkLength(issues, id, rootLabels[id], value, rootLengthRules[id]);
  }

  const mcc = text(emvMpmIds.merchantCategoryCode);
  if (mcc !== undefined && !/^\d*$/.test(mcc)) issues.error('invalid-field', '52', `merchant category code must be digits, is "${mcc}"`);
  const currency = text(emvMpmIds.transactionCurrency);
  if (currency !== undefined && !/^\d*$/.test(currency)) issues.error('invalid-field', '53', `currency must be ISO 4217 numeric digits, is "${currency}"`);
  const amount = text(emvMpmIds.transactionAmount);
  if (amount !== undefined && !amountPattern.test(amount)) issues.error('invalid-field', '54', `amount must be digits with an optional "." decimal mark, is "${amount}"`);
  const country = text(emvMpmIds.countryCode);
  if (country !== undefined && !/^[A-Za-z]*$/.test(country)) issues.error('invalid-field', '58', `country code must be letters (ISO 3166-1 alpha-2), is "${country}"`);

  const tip = text(emvMpmIds.tipOrConvenienceIndicator);
  if (tip !== undefined) {
    if (tip !== '01' && tip !== '02' && tip !== '03') issues.error('invalid-field', '55', `tip or convenience indicator must be 01, 02 or 03, is "${tip}"`);
    if (tip === '02' && tags[emvMpmIds.convenienceFeeFixed] === undefined) issues.error('missing-field', '56', 'indicator 02 needs a fixed convenience fee (ID 56)');
    if (tip === '03' && tags[emvMpmIds.convenienceFeePercentage] === undefined) issues.error('missing-field', '57', 'indicator 03 needs a convenience fee percentage (ID 57)');
  }

  for (const id of [emvMpmIds.merchantName, emvMpmIds.merchantCity, emvMpmIds.postalCode]) {
    const value = text(id);
    if (value !== undefined && !printableAscii.test(value)) {
      issues.warn('non-ascii', id, `ID ${id} holds characters outside the EMV "ans" set; other scripts belong in the alternate-language template (64)`);
    }
  }

  for (const [id, value] of Object.entries(tags)) {
    if (typeof value === 'string') continue;
    if (isMerchantAccountTemplateId(id)) validateMerchantAccountTemplate(issues, id, value);
    else if (id === emvMpmIds.additionalData) validateAdditionalData(issues, value);
    else if (id === emvMpmIds.alternateLanguage) validateAlternateLanguage(issues, value);
  }
  for (const id of Object.keys(tags)) {
    const n = Number(id);
    if (n >= 65 && n <= 79) issues.warn('rfu-id', id, `ID ${id} is reserved for future use by EMVCo`);
  }
}

function checkCrc(issues: IssueCollector, payload: string, entries: readonly TlvEntry[]): { crc: string | null; computedCrc: string | null } {
  const crcIndex = entries.findIndex((entry) => entry.id === emvMpmIds.crc);
  if (crcIndex < 0) {
    issues.error('crc-missing', '63', 'no CRC (ID 63)');
    return { crc: null, computedCrc: null };
  }
  const crc = entries[crcIndex]?.value ?? '';
  if (crcIndex !== entries.length - 1) {
    issues.error('crc-not-last', '63', 'the CRC (ID 63) must be the last object');
    return { crc, computedCrc: null };
  }
  if (!/^[0-9A-Fa-f]{4}$/.test(crc)) {
    issues.error('invalid-field', '63', `the CRC must be 4 hex digits, is "${crc}"`);
    return { crc, computedCrc: null };
  }
  // The CRC value is the payload's last 4 characters (all ASCII, checked above).
  const computedCrc = crc16Hex(payload.slice(0, payload.length - 4));
  if (computedCrc !== crc.toUpperCase()) issues.error('crc-mismatch', '63', `CRC is ${crc}, the payload's is ${computedCrc}`);
  else if (crc !== crc.toUpperCase()) issues.warn('crc-lowercase', '63', 'CRC written in lowercase hex; EMVCo payloads use uppercase');
  return { crc, computedCrc };
}

const emptyResult = {
  payloadFormatIndicator: null,
  pointOfInitiation: null,
  merchantAccounts: [],
  mcc: null,
  currency: null,
  amount: null,
  amountMinor: null,
  country: null,
  merchantName: null,
  merchantCity: null,
  postalCode: null,
  additionalData: null,
  alternateLanguage: null,
  crc: null,
  computedCrc: null,
} as const satisfies Omit<EmvMpmDecodeResult, 'valid' | 'errors' | 'warnings' | 'tags'>;

/** Reads and validates a payload. Never throws. */
export function decodeEmvMpm(payload: string): EmvMpmDecodeResult {
  const issues = new IssueCollector();
  if (typeof payload !== 'string' || payload.length === 0) {
    issues.error('empty', undefined, 'the payload is empty');
    return { valid: false, errors: issues.errors, warnings: issues.warnings, ...emptyResult, tags: {} };
  }

  const list = readTlvList(payload);
  if (list.failure !== null) issues.error('malformed-tlv', undefined, list.failure);
  const payloadLength = characterLength(payload);
  if (payloadLength > maxPayloadLength) issues.warn('payload-too-long', undefined, `the payload is ${payloadLength} characters; EMVCo allows at most ${maxPayloadLength}`);

  const tags: Record<string, EmvTagValue> = {};
  for (const entry of list.entries) {
    if (Object.hasOwn(tags, entry.id)) {
      issues.error('duplicate-id', entry.id, `ID ${entry.id} appears more than once`);
      continue;
    }
    tags[entry.id] = isTemplateId(entry.id) ? decodeTemplate(issues, entry.id, entry.value) : entry.value;
  }

  const first = list.entries[0];
  if (first === undefined || first.id !== emvMpmIds.payloadFormatIndicator) {
    issues.error('payload-format-not-first', '00', 'the payload format indicator (ID 00) must be the first object');
  }
  const { crc, computedCrc } = list.failure === null ? checkCrc(issues, payload, list.entries) : { crc: stringOrNull(tags['63']), computedCrc: null };
  validateRoot(issues, tags);

  const merchantAccounts: EmvDecodedMerchantAccount[] = [];
  for (const [id, value] of Object.entries(tags)) {
    if (isMerchantAccountTemplateId(id)) {
      const template = typeof value === 'string' ? { value } : value;
      merchantAccounts.push({ id, globallyUniqueId: template['00'] ?? null, fields: template });
    } else if (isReservedMerchantAccountId(id) && typeof value === 'string') {
      merchantAccounts.push({ id, globallyUniqueId: null, fields: { value } });
    }
  }
  merchantAccounts.sort((a, b) => (a.id < b.id ? -1 : 1));

  const additional = templateOrNull(tags[emvMpmIds.additionalData]);
  const language = templateOrNull(tags[emvMpmIds.alternateLanguage]);
  const initiation = stringOrNull(tags[emvMpmIds.pointOfInitiation]);
  const currency = stringOrNull(tags[emvMpmIds.transactionCurrency]);
  const amount = stringOrNull(tags[emvMpmIds.transactionAmount]);

  return {
    valid: issues.errors.length === 0,
    errors: issues.errors,
    warnings: issues.warnings,
    payloadFormatIndicator: stringOrNull(tags[emvMpmIds.payloadFormatIndicator]),
    pointOfInitiation: initiation === '11' || initiation === '12' ? initiation : null,
    merchantAccounts,
    mcc: stringOrNull(tags[emvMpmIds.merchantCategoryCode]),
    currency,
    amount,
    amountMinor: amountInFen(currency, amount),
    country: stringOrNull(tags[emvMpmIds.countryCode]),
    merchantName: stringOrNull(tags[emvMpmIds.merchantName]),
    merchantCity: stringOrNull(tags[emvMpmIds.merchantCity]),
    postalCode: stringOrNull(tags[emvMpmIds.postalCode]),
    additionalData: additional && {
      billNumber: additional[additionalDataIds.billNumber] ?? null,
      referenceLabel: additional[additionalDataIds.referenceLabel] ?? null,
      terminalLabel: additional[additionalDataIds.terminalLabel] ?? null,
      storeLabel: additional[additionalDataIds.storeLabel] ?? null,
      customerLabel: additional[additionalDataIds.customerLabel] ?? null,
      mobileNumber: additional[additionalDataIds.mobileNumber] ?? null,
      purposeOfTransaction: additional[additionalDataIds.purposeOfTransaction] ?? null,
    },
    alternateLanguage: language && {
      languagePreference: language[alternateLanguageIds.languagePreference] ?? null,
      merchantName: language[alternateLanguageIds.merchantName] ?? null,
      merchantCity: language[alternateLanguageIds.merchantCity] ?? null,
    },
    crc,
    computedCrc,
    tags,
  };
}
