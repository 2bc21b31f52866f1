/**
 * The single entry point every shell uses to run a contract command. Validates the command name
 * and its argument, runs the handler and converts every outcome into a `CommandResult`: it never
 * throws, whatever the caller sends.
 */
import type { Logger } from 'pino';
import { commands, isCommandName, type CommandResult } from '../contract/contract.js';
import { CommandError } from './command-error.js';
import type { CommandHandlers } from './terminal-core.js';

export interface CallOrigin {
  /** Which shell carried the call, for logs: `electron-ipc`, `browser-http`, `local-api`. */
  readonly transport: string;
}

export async function dispatchCommand(
  handlers: CommandHandlers,
  name: unknown,
  input: unknown,
  origin: CallOrigin,
  logger: Logger,
): Promise<CommandResult<unknown>> {
  if (!isCommandName(name)) {
    return { ok: false, error: { code: 'not-found', message: `unknown command ${JSON.stringify(String(name)).slice(0, 80)}`, retryable: false } };
  }
  const parsed = commands[name].input.safeParse(input ?? {});
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => ({
      path: issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.map(String).join('.') || '(argument)',
      message: issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message,
    }));
    return {
      ok: false,
      error: { code: 'invalid-argument', message: `${name}: ${fields.map((field) => `${field.path}: ${field.message}`).join('; ')}`, retryable: false, details: { fields } },
    };
  }
  try {
    const handler = handlers[name] as (argument: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    if (error instanceof CommandError) return { ok: false, error: error.toContractError() };
    logger.error({ err: error, command: name, transport: origin.transport }, 'command failed unexpectedly');
    return { ok: false, error: { code: 'internal', message: `${name} failed inside the terminal; the details are in the log`, retryable: true } };
  }
}
