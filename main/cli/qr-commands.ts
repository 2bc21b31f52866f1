/**
 * `terminal qr encode` and `terminal qr decode`: the EMVCo merchant-presented QR codec on the
 * command line. `encode` prints the payload on one line; `decode` prints the decode result as JSON
 * and exits 0 when the payload is valid, 1 when it is not. Bad options exit 2 (CliUsageError).
 */
import type { Command } from 'commander';
import { decodeEmvMpm } from '../../sync/protocol/emv-mpm/decode-emv-mpm.js';
import { EmvMpmEncodeError, encodeEmvMpm, type EmvMpmEncodeInput } from '../../sync/protocol/emv-mpm/encode-emv-mpm.js';
import { MoneyError, parseMajorToMinor } from '../../kernel/money.js';
import { CliUsageError } from './cli-failure.js';
import type { CliContext } from './terminal-cli.js';

/** The merchant account template the CLI writes when no other is asked for (ID 26, sub-ID 00). */
export const defaultMerchantAccountGui = 'cn.merchant-terminal';

interface QrEncodeOptions {
  amount?: string;
  currency: string;
  name: string;
  city: string;
  mcc: string;
  country: string;
  billNumber?: string;
  referenceLabel?: string;
  terminalLabel?: string;
  merchantAccountId?: string;
  merchantAccountGui: string;
  nameZh?: string;
  cityZh?: string;
  static?: boolean;
}

function amountInMinor(amount: string | undefined, isStatic: boolean): number | undefined {
  if (amount === undefined) {
    if (isStatic) return undefined;
    throw new CliUsageError('--amount is required for a dynamic code (use --static for a reusable code without amount)');
  }
  try {
    return parseMajorToMinor(amount);
  } catch (error) {
    if (error instanceof MoneyError) throw new CliUsageError(`--amount: ${error.message}`);
    throw error;
  }
}

/** Maps the CLI options onto the encoder's input. */
export function qrEncodeInput(options: QrEncodeOptions): EmvMpmEncodeInput {
  const isStatic = options.static === true;
  const amountMinor = amountInMinor(options.amount, isStatic);
  const additionalData = {
    ...(options.billNumber !== undefined && { billNumber: options.billNumber }),
    ...(options.referenceLabel !== undefined && { referenceLabel: options.referenceLabel }),
    ...(options.terminalLabel !== undefined && { terminalLabel: options.terminalLabel }),
  };
  if (options.cityZh !== undefined && options.nameZh === undefined) throw new CliUsageError('--city-zh needs --name-zh (the alternate-language template carries a name)');
  return {
    pointOfInitiation: isStatic ? 'static' : 'dynamic',
    merchantAccounts: [
      {
        id: '26',
        globallyUniqueId: options.merchantAccountGui,
        ...(options.merchantAccountId !== undefined && { fields: { '01': options.merchantAccountId } }),
      },
    ],
    merchantCategoryCode: options.mcc,
    currencyNumeric: options.currency,
    ...(amountMinor !== undefined && { amountMinor }),
    countryCode: options.country,
    merchantName: options.name,
    merchantCity: options.city,
    ...(Object.keys(additionalData).length > 0 && { additionalData }),
    ...(options.nameZh !== undefined && {
      alternateLanguage: { languagePreference: 'ZH', merchantName: options.nameZh, ...(options.cityZh !== undefined && { merchantCity: options.cityZh }) },
    }),
  };
}

export function registerQrCommands(program: Command, { print }: CliContext): void {
  const qr = program.command('qr').description('EMVCo merchant-presented QR payloads (encode, decode and validate)');
  qr.command('encode')
    .description('print a conformant EMV MPM payload (dynamic, point of initiation 12, unless --static)')
    .option('--amount <yuan>', 'amount like 12.50 (required unless --static)')
    .option('--currency <numeric>', 'ISO 4217 numeric currency (amounts have two decimals)', '156')
    .requiredOption('--name <name>', 'merchant name, ≤ 25 printable ASCII characters')
    .requiredOption('--city <city>', 'merchant city, ≤ 15 printable ASCII characters')
    .option('--mcc <code>', 'merchant category code, 4 digits', '5812')
    .option('--country <code>', 'ISO 3166-1 alpha-2 country', 'CN')
    .option('--bill-number <text>', 'additional data 62.01, ≤ 25 characters')
    .option('--reference-label <text>', 'additional data 62.05, ≤ 25 characters')
    .option('--terminal-label <text>', 'additional data 62.07, ≤ 25 characters')
    .option('--merchant-account-id <id>', 'merchant account template 26, sub-ID 01')
    .option('--merchant-account-gui <gui>', 'merchant account template 26, sub-ID 00 (globally unique id)', defaultMerchantAccountGui)
    .option('--name-zh <name>', 'Chinese merchant name (alternate-language template 64), ≤ 25 characters')
    .option('--city-zh <city>', 'Chinese merchant city (template 64), ≤ 15 characters')
    .option('--static', 'a reusable code (point of initiation 11)')
    .action((options: QrEncodeOptions) => {
      try {
        print(encodeEmvMpm(qrEncodeInput(options)));
      } catch (error) {
        if (error instanceof EmvMpmEncodeError) throw new CliUsageError(`${error.field}: ${error.message}`);
        throw error;
      }
    });
  qr.command('decode')
    .description('decode and validate a payload; prints JSON, exits 0 when valid and 1 when not')
    .argument('<payload>', 'the QR content')
    .action((payload: string) => {
      const result = decodeEmvMpm(payload);
      print(JSON.stringify(result, null, 2));
      process.exitCode = result.valid ? 0 : 1;
    });
}
