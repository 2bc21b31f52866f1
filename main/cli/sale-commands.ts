/**
 * `terminal sale` and `terminal enroll`.
 *
 * `sale` is the headless way to sell: it finds the running terminal through
 * `<data-dir>/runtime/local-api.json` (address + bearer token, owner-only), drives it through the
 * local API (docs/local-api.md), prints `qr: <content>` on a line of its own and draws the QR in
 * the console for a merchant-presented payment, waits, and exits 0 when paid (or accepted
 * offline), 1 naming the final state when declined, expired, cancelled or failed.
 *
 * `enroll` exchanges a one-time enrollment code for the terminal's backend identity and stores it
 * (secret encrypted at rest) in the data directory; a running terminal picks it up on restart.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import QRCode from 'qrcode';
import { z } from 'zod';
import { enrollTerminal } from '../../sync/client/enroll-terminal.js';
import { TerminalCredentialStore } from '../../sync/client/terminal-credential-store.js';
import { defaultDataDir, dataDirLayout } from '../config/data-dir.js';
import type { CommandName, CommandResult, PaymentView } from '../contract/contract.js';
import { isPaidLikeState } from '../domain/payment-states.js';
import { MoneyError, parseMajorToMinor } from '../../kernel/money.js';
import { CliUsageError } from './cli-failure.js';
import type { CliContext } from './terminal-cli.js';

const endpointSchema = z.object({ url: z.string(), token: z.string() });

export class LocalApiError extends Error {
  override readonly name = 'LocalApiError';
}

/** A client of one running terminal's local API. */
export class LocalApiClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  static fromDataDir(dataDir: string): LocalApiClient {
    const file = dataDirLayout(dataDir).apiEndpoint;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new CliUsageError(`no running terminal found for ${dataDir} (${file} is missing); start one with \`terminal start --shell headless --data-dir ${dataDir}\``);
    }
    const parsed = endpointSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new LocalApiError(`${file} is damaged`);
    return new LocalApiClient(parsed.data.url, parsed.data.token);
  }

  /** Calls COMMAND; resolves with its value or throws `LocalApiError` with the contract error. */
  async call<T>(command: CommandName, input: object): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(`/api/call/${command}`, this.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      throw new LocalApiError(`the terminal at ${this.url} does not answer (${(error as Error).message}); is it still running?`);
    }
    const result = (await response.json()) as CommandResult<T>;
    if (!result.ok) throw new LocalApiError(`${command}: ${result.error.code}: ${result.error.message}`);
    return result.value;
  }
}

export interface SaleOptions {
  readonly amount: string;
  readonly method: string;
  readonly code?: string | undefined;
  readonly dataDir: string;
  readonly user?: string | undefined;
  readonly pin?: string | undefined;
  /** Sent with the sale; a new random one per invocation unless given (to repeat a sale safely). */
  readonly idempotencyKey?: string | undefined;
  readonly timeout: string;
  readonly pollMs?: number;
}

export async function runSale(options: SaleOptions, print: (line: string) => void): Promise<number> {
  let amountMinor: number;
  try {
    amountMinor = parseMajorToMinor(options.amount);
  } catch (error) {
    if (error instanceof MoneyError) throw new CliUsageError(`--amount: ${error.message}`);
    throw error;
  }
  if (amountMinor <= 0) throw new CliUsageError('--amount must be more than 0');
  if (!['qr', 'code', 'cash'].includes(options.method)) throw new CliUsageError(`--method must be qr, code or cash, got "${options.method}"`);
  if (options.method === 'code' && !options.code) throw new CliUsageError('--method code needs --code CODE (the customer\'s payment code)');
  const timeoutSeconds = Number(options.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new CliUsageError('--timeout is a number of seconds');

  const api = LocalApiClient.fromDataDir(options.dataDir);
  let sessionId: string | undefined;
  if (options.user) {
    const pin = options.pin ?? process.env.TERMINAL_PIN;
    if (!pin) throw new CliUsageError('--user needs --pin PIN (or TERMINAL_PIN in the environment)');
    sessionId = (await api.call<{ sessionId: string }>('auth.login', { userId: options.user, pin })).sessionId;
  }
  const started = await api.call<{ orderId: string; receiptNumber: string; totalMinor: number; changeMinor: number; payment: PaymentView }>('sale.startPayment', {
    ...(sessionId ? { sessionId } : {}),
    amountMinor,
    method: options.method,
    ...(options.code ? { code: options.code } : {}),
    // One key per invocation: a request repeated after a lost answer never sells twice.
    idempotencyKey: options.idempotencyKey ?? randomUUID(),
  });
  print(`sale: ${started.receiptNumber} order ${started.orderId} payment ${started.payment.paymentIntentId}`);
  let payment = started.payment;
  let shownQr: string | null = null;
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    if (payment.qrContent && payment.qrContent !== shownQr) {
      shownQr = payment.qrContent;
      print(`qr: ${payment.qrContent}`);
      print(await QRCode.toString(payment.qrContent, { type: 'utf8', errorCorrectionLevel: 'M' }));
      if (payment.expiresAtMs) print(`waiting for the customer (QR valid ${Math.max(Math.round((payment.expiresAtMs - Date.now()) / 1000), 0)} s)…`);
    }
    if (payment.isFinal || isPaidLikeState(payment.state)) break;
    if (Date.now() > deadline) {
      print(`state: ${payment.state}`);
      process.stderr.write(`error: payment still ${payment.state} after ${timeoutSeconds} s; it keeps resolving in the terminal (payment.status ${payment.paymentIntentId})\n`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    payment = await api.call<PaymentView>('payment.status', { paymentIntentId: payment.paymentIntentId });
  }
  print(`state: ${payment.state}`);
  if (isPaidLikeState(payment.state)) {
    if (options.method === 'cash' && started.changeMinor > 0) print(`change: ${started.changeMinor}`);
    return 0;
  }
  process.stderr.write(`error: payment ${payment.state}${payment.reason ? `: ${payment.reason}` : ''}\n`);
  return 1;
}

export function registerSaleCommands(program: Command, { print }: CliContext): void {
  program
    .command('sale')
    .description('sell an amount through the running terminal (its local API): prints the QR and waits; exits 0 when paid, 1 naming the final state')
    .requiredOption('--amount <yuan>', 'amount like 12.50')
    .requiredOption('--method <method>', 'qr (merchant-presented), code (customer-presented) or cash')
    .option('--code <code>', 'the customer\'s payment code (method code; online or OFL1. offline code)')
    .option('--data-dir <dir>', 'the running terminal\'s data directory', defaultDataDir())
    .option('--user <id>', 'operator to log in as (terminals that require a session)')
    .option('--pin <pin>', 'the operator\'s PIN (or TERMINAL_PIN)')
    .option('--timeout <seconds>', 'give up waiting after this long (the payment keeps resolving in the terminal)', '600')
    .option('--idempotency-key <key>', 'repeat a sale whose answer was lost: the same key answers the same sale (default: a new key)')
    .action(async (options: SaleOptions) => {
      process.exitCode = await runSale(options, print);
    });

  program
    .command('enroll')
    .description('exchange a one-time enrollment code for this terminal\'s backend identity; the secret is stored encrypted (key file 0600)')
    .requiredOption('--backend <url>', 'the payment backend, like http://127.0.0.1:8787')
    .requiredOption('--code <code>', 'the code printed by `terminal backend enroll --name NAME`')
    .option('--data-dir <dir>', 'the terminal\'s data directory', defaultDataDir())
    .option('--insecure-http', 'allow plain http:// to a backend that is not on this machine (the secret then crosses the network in clear; docs/tls.md)')
    .action(async (options: { backend: string; code: string; dataDir: string; insecureHttp?: boolean }) => {
      if (!/^https?:\/\/[^\s/]+/.test(options.backend)) throw new CliUsageError('--backend must be an http(s):// URL');
      const store = new TerminalCredentialStore(options.dataDir);
      const identity = await enrollTerminal({ backendUrl: options.backend, code: options.code, store, nowMs: Date.now(), deviceInfo: `merchant-terminal on ${hostname()}`, allowInsecureHttp: options.insecureHttp === true });
      print(`enrolled: terminal ${identity.terminalId} (${identity.terminalName}) at ${identity.backendUrl}`);
      print(`credentials: ${store.file} (secret encrypted with ${store.directory}/secret.key, mode 0600); restart a running terminal to use them`);
    });
}
