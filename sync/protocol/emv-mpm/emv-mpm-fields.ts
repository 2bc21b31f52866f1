/**
 * The data objects of an EMVCo merchant-presented QR payload (EMV QRCPS Merchant-Presented Mode
 * v1.1, section 4), as the codec needs them: which IDs are templates, and the length limits.
 * Lengths are counted in characters (Unicode code points), not bytes: the spec's "ans" and "S"
 * formats count characters, and the alternate-language template carries e.g. Chinese text.
 */

/** Root IDs the spec fixes. */
export const emvMpmIds = {
  payloadFormatIndicator: '00',
  pointOfInitiation: '01',
  merchantCategoryCode: '52',
  transactionCurrency: '53',
  transactionAmount: '54',
  tipOrConvenienceIndicator: '55',
  convenienceFeeFixed: '56',
  convenienceFeePercentage: '57',
  countryCode: '58',
  merchantName: '59',
  merchantCity: '60',
  postalCode: '61',
  additionalData: '62',
  crc: '63',
  alternateLanguage: '64',
} as const;

/** Sub-IDs of the additional data field template (ID 62). */
export const additionalDataIds = {
  billNumber: '01',
  mobileNumber: '02',
  storeLabel: '03',
  loyaltyNumber: '04',
  referenceLabel: '05',
  customerLabel: '06',
  terminalLabel: '07',
  purposeOfTransaction: '08',
  additionalConsumerDataRequest: '09',
} as const;

/** Sub-IDs of the merchant information language template (ID 64). */
export const alternateLanguageIds = { languagePreference: '00', merchantName: '01', merchantCity: '02' } as const;

/** Point of initiation (ID 01): `11` static (reusable), `12` dynamic (one payment). */
export type PointOfInitiation = '11' | '12';

/** The longest whole payload the spec allows, in characters. */
export const maxPayloadLength = 512;

/** Merchant account information templates (IDs 26–51) carry sub-IDs, `00` being the globally unique id. */
export function isMerchantAccountTemplateId(id: string): boolean {
  const n = Number(id);
  return /^\d\d$/.test(id) && n >= 26 && n <= 51;
}

/** Primitive merchant account information reserved for card schemes (IDs 02–25). */
export function isReservedMerchantAccountId(id: string): boolean {
  const n = Number(id);
  return /^\d\d$/.test(id) && n >= 2 && n <= 25;
}

/** Unreserved templates (IDs 80–99), defined by whoever issues the code. */
export function isUnreservedTemplateId(id: string): boolean {
  const n = Number(id);
  return /^\d\d$/.test(id) && n >= 80 && n <= 99;
}

/** Root IDs whose value is itself a list of ID-length-value objects. */
export function isTemplateId(id: string): boolean {
  return id === emvMpmIds.additionalData || id === emvMpmIds.alternateLanguage || isMerchantAccountTemplateId(id) || isUnreservedTemplateId(id);
}

/** Fixed or maximum lengths (characters) of root objects; `exact` means the length is fixed. */
export const rootLengthRules: Readonly<Record<string, { readonly max: number; readonly exact?: boolean }>> = {
  '00': { max: 2, exact: true },
  '01': { max: 2, exact: true },
  '52': { max: 4, exact: true },
  '53': { max: 3, exact: true },
  '54': { max: 13 },
  '55': { max: 2, exact: true },
  '56': { max: 13 },
  '57': { max: 5 },
  '58': { max: 2, exact: true },
  '59': { max: 25 },
  '60': { max: 15 },
  '61': { max: 10 },
  '63': { max: 4, exact: true },
};

/** Maximum lengths (characters) of the additional data template's sub-objects 01–09. */
export const additionalDataLengthRules: Readonly<Record<string, number>> = {
  '01': 25,
  '02': 25,
  '03': 25,
  '04': 25,
  '05': 25,
  '06': 25,
  '07': 25,
  '08': 25,
  '09': 3,
};

/** Fixed or maximum lengths (characters) of the language template's sub-objects. */
export const alternateLanguageLengthRules: Readonly<Record<string, { readonly max: number; readonly exact?: boolean }>> = {
  '00': { max: 2, exact: true },
  '01': { max: 25 },
  '02': { max: 15 },
};

/** Length of a value in characters (code points), the unit EMV lengths count. */
export function characterLength(text: string): number {
  // Fast path: without surrogates, UTF-16 units and code points agree.
  if (!/[\uD800-\uDFFF]/.test(text)) return text.length;
  let count = 0;
  for (const _character of text) count += 1;
  return count;
}
