/**
 * EMV MPM encode + CRC: our `encodeEmvMpm` against the `emv-qrcps` package building the same
 * dynamic CNY payload (merchant account 26, amount, bill number, terminal label, Chinese name and
 * city in template 64) in the same run. Both outputs are checked equal before timing. Target:
 * ours ≥ 2× the package's operations per second. Run: `node bin/run-ts.js bench/emv-encode.bench.ts`.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { encodeEmvMpm, type EmvMpmEncodeInput } from '../sync/protocol/emv-mpm/encode-emv-mpm.js';
import { formatMinorAsDecimal } from '../kernel/money.js';

/** The part of emv-qrcps (CommonJS, untyped) this benchmark uses. */
interface EmvQrcpsTemplate {
  setGloballyUniqueIdentifier(value: string): void;
  addPaymentNetworkSpecific(id: string, value: string): void;
  setBillNumber(value: string): void;
  setTerminalLabel(value: string): void;
  setLanguagePreference(value: string): void;
  setMerchantName(value: string): void;
  setMerchantCity(value: string): void;
}
interface EmvQrcpsPayload {
  setPayloadFormatIndicator(value: string): void;
  setPointOfInitiationMethod(value: string): void;
  addMerchantAccountInformation(id: string, value: EmvQrcpsTemplate): void;
  setMerchantCategoryCode(value: string): void;
  setTransactionCurrency(value: string): void;
  setTransactionAmount(value: string): void;
  setCountryCode(value: string): void;
  setMerchantName(value: string): void;
  setMerchantCity(value: string): void;
  setAdditionalDataFieldTemplate(value: EmvQrcpsTemplate): void;
  setMerchantInformationLanguageTemplate(value: EmvQrcpsTemplate): void;
  generatePayload(): string;
}
interface EmvQrcps {
  readonly Merchant: {
    buildEMVQR(): EmvQrcpsPayload;
    buildMerchantAccountInformation(): EmvQrcpsTemplate;
    buildAdditionalDataFieldTemplate(): EmvQrcpsTemplate;
    buildMerchantInformationLanguageTemplate(): EmvQrcpsTemplate;
  };
}
const { Merchant } = createRequire(import.meta.url)('emv-qrcps') as EmvQrcps;

const sale = {
  amountMinor: 1250,
  billNumber: 'PAY-20261125-0001',
  terminalLabel: 'COUNTER-1',
  merchantAccountId: 'M-0001',
} as const;

function ours(billNumber: string): string {
  const input: EmvMpmEncodeInput = {
    pointOfInitiation: 'dynamic',
    merchantAccounts: [{ id: '26', globallyUniqueId: 'cn.merchant-terminal', fields: { '01': sale.merchantAccountId } }],
    merchantCategoryCode: '5812',
    currencyNumeric: '156',
    amountMinor: sale.amountMinor,
    countryCode: 'CN',
    merchantName: 'NOODLE BAR',
    merchantCity: 'BEIJING',
    additionalData: { billNumber, terminalLabel: sale.terminalLabel },
    alternateLanguage: { languagePreference: 'ZH', merchantName: '面馆', merchantCity: '北京' },
  };
  return encodeEmvMpm(input);
}

function theirs(billNumber: string): string {
  const payload = Merchant.buildEMVQR();
  payload.setPayloadFormatIndicator('01');
  payload.setPointOfInitiationMethod('12');
  const account = Merchant.buildMerchantAccountInformation();
  account.setGloballyUniqueIdentifier('cn.merchant-terminal');
  account.addPaymentNetworkSpecific('01', sale.merchantAccountId);
  payload.addMerchantAccountInformation('26', account);
  payload.setMerchantCategoryCode('5812');
  payload.setTransactionCurrency('156');
  payload.setTransactionAmount(formatMinorAsDecimal(sale.amountMinor));
  payload.setCountryCode('CN');
  payload.setMerchantName('NOODLE BAR');
  payload.setMerchantCity('BEIJING');
  const additional = Merchant.buildAdditionalDataFieldTemplate();
  additional.setBillNumber(billNumber);
  additional.setTerminalLabel(sale.terminalLabel);
  payload.setAdditionalDataFieldTemplate(additional);
  const language = Merchant.buildMerchantInformationLanguageTemplate();
  language.setLanguagePreference('ZH');
  language.setMerchantName('面馆');
  language.setMerchantCity('北京');
  payload.setMerchantInformationLanguageTemplate(language);
  return payload.generatePayload();
}

// Equivalence: same bytes for the bill numbers the benchmark cycles through. (emv-qrcps does not
// zero-pad a CRC below 0x1000, so bill numbers are chosen where both agree; ours always pads.)
const billNumbers = Array.from({ length: 64 }, (_, index) => `${sale.billNumber.slice(0, -4)}${String(index).padStart(4, '0')}`).filter(
  (billNumber) => ours(billNumber) === theirs(billNumber),
);
if (billNumbers.length < 32) {
  process.stderr.write(`error: emv-qrcps and encodeEmvMpm disagree: ${ours(sale.billNumber)} vs ${theirs(sale.billNumber)}\n`);
  process.exit(1);
}

let sink = 0;
let next = 0;
const oursTask = () => {
  sink += ours(billNumbers[next++ % billNumbers.length] ?? sale.billNumber).length;
};
const theirsTask = () => {
  sink += theirs(billNumbers[next++ % billNumbers.length] ?? sale.billNumber).length;
};

// The machine is shared (other processes, CPU frequency changes): time short alternating batches
// of each side, so a slow spell hits both alike, and report the ratio of the total times as well
// as the median of the per-round ratios.
const rounds = 60;
const batch = 2_000;
function timeBatch(task: () => void): number {
  const started = performance.now();
  for (let run = 0; run < batch; run += 1) task();
  return performance.now() - started;
}
for (let warmup = 0; warmup < 10; warmup += 1) {
  timeBatch(oursTask);
  timeBatch(theirsTask);
}
let oursMs = 0;
let theirsMs = 0;
const ratios: number[] = [];
for (let round = 0; round < rounds; round += 1) {
  const first = round % 2 === 0;
  const a = timeBatch(first ? oursTask : theirsTask);
  const b = timeBatch(first ? theirsTask : oursTask);
  const oursRound = first ? a : b;
  const theirsRound = first ? b : a;
  oursMs += oursRound;
  theirsMs += theirsRound;
  ratios.push(theirsRound / oursRound);
}
const operations = rounds * batch;
const oursHz = (operations / oursMs) * 1000;
const theirsHz = (operations / theirsMs) * 1000;
const ratio = theirsMs / oursMs;
const medianRatio = [...ratios].sort((x, y) => x - y)[Math.floor(ratios.length / 2)] ?? 0;
const target = 2;
const format = (hz: number) => Math.round(hz).toLocaleString('en-US').padStart(10);
process.stdout.write(`payload (${ours(sale.billNumber).length} characters): ${ours(sale.billNumber)}\n`);
process.stdout.write(`encodeEmvMpm (ours) ${format(oursHz)} ops/s\n`);
process.stdout.write(`emv-qrcps           ${format(theirsHz)} ops/s\n`);
process.stdout.write(`ratio ours / emv-qrcps: ${ratio.toFixed(2)}× (median of ${rounds} rounds ${medianRatio.toFixed(2)}×); target ≥ ${target}×: ${ratio >= target ? 'met' : 'MISSED'}\n`);
if (sink === 0) process.stdout.write('(no output produced)\n');
