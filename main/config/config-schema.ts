/**
 * The terminal's configuration file, validated at start. Every object is strict (an unknown key is
 * an error naming it); settings sections fill missing fields from defaults; catalog, planogram and
 * users fall back to the embedded demo data as a whole when absent (the demo users only with the
 * sandbox backend: load-config.ts refuses a real backend without `users`).
 */
import { z } from 'zod';
import { parseDeviceUri } from '../../hardware/transports/device-uri.js';
import { terminalModes, roles } from '../domain/roles.js';
import { isWellFormedPinHash } from '../auth/pin-hash.js';
import { defaultMaxSaleMinor } from './sale-limit.js';

export const locales = ['zh-CN', 'en'] as const;
export type Locale = (typeof locales)[number];

const maxAmountMinor = 10_000_000_00; // ￥10,000,000.00: far above any single sale

const amountMinor = z
  .number({ error: 'expected an amount in minor units (fen), like 1250 for ￥12.50' })
  .int({ error: 'expected a whole number of minor units (fen), like 1250 for ￥12.50; decimals are not allowed' })
  .min(0, { error: 'expected an amount of 0 or more' })
  .max(maxAmountMinor, { error: `expected an amount of at most ${maxAmountMinor} minor units` });

const identifier = z
  .string({ error: 'expected an id string' })
  .regex(/^[a-z0-9][a-z0-9_-]{0,47}$/, { error: 'expected an id of lowercase letters, digits, "-" or "_" (1–48 characters)' });

const localizedText = z.strictObject({
  'zh-CN': z.string({ error: 'expected the Chinese text' }).min(1).max(60),
  en: z.string({ error: 'expected the English text' }).min(1).max(60).optional(),
});

const deviceUri = z.string({ error: 'expected a device URI string' }).superRefine((value, context) => {
  try {
    parseDeviceUri(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

const loopbackHost = z.enum(['127.0.0.1', '::1'], {
  error: 'expected a loopback address ("127.0.0.1" or "::1"): the local API never listens on the network',
});

export const catalogSchema = z.strictObject({
  version: z.number().int().min(1).default(1),
  currency: z.literal('CNY', { error: 'expected "CNY" (the only currency supported)' }).default('CNY'),
  categories: z.array(z.strictObject({ id: identifier, name: localizedText })).min(1),
  modifierGroups: z
    .array(
      z.strictObject({
        id: identifier,
        name: localizedText,
        minSelected: z.number().int().min(0).default(0),
        maxSelected: z.number().int().min(1).default(1),
        options: z.array(z.strictObject({ id: identifier, name: localizedText, priceDeltaMinor: amountMinor.default(0) })).min(1),
      }),
    )
    .default([]),
  products: z
    .array(
      z.strictObject({
        id: identifier,
        categoryId: identifier,
        name: localizedText,
        priceMinor: amountMinor,
        modifierGroupIds: z.array(identifier).default([]),
        kitchenStation: identifier.optional(),
        barcode: z.string().regex(/^\d{8,14}$/, { error: 'expected an EAN/UPC barcode of 8 to 14 digits' }).optional(),
      }),
    )
    .min(1),
});

export const planogramSchema = z.strictObject({
  version: z.number().int().min(1).default(1),
  slots: z.array(
    z.strictObject({
      slot: z.number().int().min(1).max(999),
      productId: identifier,
      capacity: z.number().int().min(1).max(99),
      stock: z.number().int().min(0).max(99),
      priceMinor: amountMinor.optional(),
      inSale: z.boolean().default(true),
    }),
  ),
});

export const userSchema = z.strictObject({
  id: identifier,
  name: z.string().min(1).max(40),
  role: z.enum(roles),
  pinHash: z.string().refine(isWellFormedPinHash, {
    error: 'expected a scrypt PIN hash as printed by `terminal pin hash` (plain PINs are never stored)',
  }),
});

export const configSchema = z.strictObject({
  terminal: z
    .strictObject({
      id: z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,31}$/, { error: 'expected an id of capitals, digits and "-", like "T-001"' }).default('T-001'),
      name: z.string().min(1).max(40).default('Demo terminal'),
      mode: z.enum(terminalModes).default('counter'),
      locale: z.enum(locales).default('zh-CN'),
    })
    .prefault({}),
  merchant: z
    .strictObject({
      name: localizedText.default({ 'zh-CN': '示例餐厅', en: 'Demo Restaurant' }),
      city: localizedText.default({ 'zh-CN': '北京', en: 'Beijing' }),
      mcc: z.string().regex(/^\d{4}$/, { error: 'expected a 4-digit merchant category code like "5812"' }).default('5812'),
    })
    .prefault({}),
  backend: z
    .strictObject({
      url: z
        .string()
        .refine((value) => value === 'sandbox' || /^https?:\/\/[^\s/]+(\/.*)?$/.test(value), {
          error: 'expected "sandbox" (the embedded reference backend) or an http(s):// URL',
        })
        .default('sandbox'),
      /** With `url: sandbox`: the embedded backend's port (falls back to any free port when taken). */
      sandboxPort: z.number().int().min(0).max(65535, { error: 'expected a TCP port from 0 (any free port) to 65535' }).default(8787),
    })
    .prefault({}),
  devices: z
    .strictObject({
      receiptPrinter: deviceUri.optional(),
      kitchenPrinters: z.record(identifier, deviceUri).default({}),
      scanner: deviceUri.optional(),
      vendingBoard: deviceUri.optional(),
      /**
       * A cash drawer hangs on the receipt printer's drawer port: a cash sale's receipt ends with the
       * drawer pulse. Unset means true when a receipt printer is configured (see `cashDrawerEnabled`).
       */
      cashDrawer: z.boolean({ error: 'expected true or false' }).optional(),
    })
    .superRefine((devices, context) => {
      if (devices.cashDrawer === true && devices.receiptPrinter === undefined) {
        context.addIssue({ code: 'custom', path: ['cashDrawer'], message: 'the cash drawer is opened by the receipt printer: set devices.receiptPrinter, or cashDrawer: false' });
      }
    })
    .prefault({ receiptPrinter: 'sim:printer', scanner: 'sim:scanner', vendingBoard: 'sim:board' }),
  localApi: z
    .strictObject({
      host: loopbackHost.default('127.0.0.1'),
      port: z.number().int().min(0).max(65535, { error: 'expected a TCP port from 0 (any free port) to 65535' }).default(0),
    })
    .prefault({}),
  security: z
    .strictObject({
      pinMaxAttempts: z.number().int().min(3).max(10).default(5),
      pinLockoutSeconds: z.number().int().min(30).max(86_400).default(300),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Largest total of one sale, in fen (default ￥50,000.00); the payment service refuses more. */
      maxSaleMinor: amountMinor.min(1, { error: 'expected a maximum of at least 1 minor unit (fen)' }).default(defaultMaxSaleMinor),
    })
    .prefault({}),
  offline: z
    .strictObject({
      perPaymentCapMinor: amountMinor.default(200_00),
      totalStoredCapMinor: amountMinor.default(2_000_00),
      maxAgeHours: z.number().int().min(1).max(72).default(24),
    })
    .prefault({}),
  logging: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    })
    .prefault({}),
  catalog: catalogSchema.optional(),
  planogram: planogramSchema.optional(),
  users: z.array(userSchema).min(1).optional(),
});

export type ConfigInput = z.input<typeof configSchema>;
type ParsedConfig = z.output<typeof configSchema>;

/** A validated configuration with every section present. */
export type TerminalConfig = Omit<ParsedConfig, 'catalog' | 'planogram' | 'users'> & {
  readonly catalog: z.output<typeof catalogSchema>;
  readonly planogram: z.output<typeof planogramSchema>;
  readonly users: readonly z.output<typeof userSchema>[];
};

/** Whether cash sales open the drawer: `devices.cashDrawer`, or when unset, whether a receipt printer is configured. */
export function cashDrawerEnabled(devices: Pick<TerminalConfig['devices'], 'receiptPrinter' | 'cashDrawer'>): boolean {
  return devices.receiptPrinter !== undefined && (devices.cashDrawer ?? true);
}
