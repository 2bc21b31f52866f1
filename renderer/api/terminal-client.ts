/**
 * The renderer's only way to reach the core: the typed contract over either the Electron preload
 * bridge (`window.terminal`) or, in browser mode, HTTP + WebSocket with the start token (which a
 * window opened by the terminal gets by exchanging a one-time launch code).
 */
// Values only from the schema-free names module: importing contract.ts here would bundle zod and every schema.
import { browserApi, commandNames } from '../../main/contract/contract-names.js';
import type { CommandName, CommandResult, TerminalApi, TerminalEvent } from '../../main/contract/contract.js';

export interface TerminalClient {
  readonly api: TerminalApi;
  /** Listens to core events; `onConnection` tells whether the event stream is up. */
  subscribe(listener: (event: TerminalEvent) => void, onConnection?: (connected: boolean) => void): () => void;
}

/** What the Electron preload exposes on `window.terminal`. */
export interface PreloadBridge {
  readonly commands: TerminalApi;
  onEvent(listener: (event: TerminalEvent) => void): () => void;
}

declare global {
  interface Window {
    terminal?: PreloadBridge;
  }
}

const tokenStorageKey = 'terminal.apiToken';

/** Reads `#<name>=…` from the address and removes the fragment from the address bar (and history). */
function takeFromFragment(name: 'token' | 'launch'): string | undefined {
  const match = new RegExp(`(?:^#|&)${name}=([A-Za-z0-9_-]+)`).exec(window.location.hash);
  if (!match?.[1]) return undefined;
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return match[1];
}

/** Takes the token from `#token=…` (then removes it from the address bar) or from session storage. */
export function takeBrowserToken(): string | undefined {
  const token = takeFromFragment('token');
  if (token) {
    sessionStorage.setItem(tokenStorageKey, token);
    return token;
  }
  return sessionStorage.getItem(tokenStorageKey) ?? undefined;
}

/**
 * Exchanges a one-time launch code (`#launch=…`, how the terminal opens its own window) for the
 * token, once; undefined when the code was refused or the core does not answer.
 */
export async function exchangeLaunchCode(code: string, origin = window.location.origin): Promise<string | undefined> {
  try {
    const response = await fetch(`${origin}${browserApi.launchPath}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    const result = (await response.json()) as CommandResult<{ token?: unknown }>;
    return result.ok && typeof result.value.token === 'string' ? result.value.token : undefined;
  } catch {
    // No answer or not JSON: the page shows that it has no token, and how to open it again.
    return undefined;
  }
}

function networkError(message: string): CommandResult<never> {
  return { ok: false, error: { code: 'unavailable', message, retryable: true } };
}

export function createBrowserClient(token: string, origin = window.location.origin): TerminalClient {
  const call = async (name: CommandName, input: unknown): Promise<CommandResult<unknown>> => {
    let response: Response;
    try {
      response = await fetch(`${origin}${browserApi.callPathPrefix}${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
    } catch {
      return networkError('the terminal core does not answer');
    }
    try {
      return (await response.json()) as CommandResult<unknown>;
    } catch {
      return networkError(`the terminal core sent an unreadable answer (HTTP ${response.status})`);
    }
  };
  const api = Object.fromEntries(commandNames.map((name) => [name, (input: unknown) => call(name, input)])) as unknown as TerminalApi;

  const subscribe = (listener: (event: TerminalEvent) => void, onConnection?: (connected: boolean) => void) => {
    let socket: WebSocket | undefined;
    let closed = false;
    let retryDelayMs = 500;
    let retryTimer: number | undefined;
    const connect = () => {
      socket = new WebSocket(`${origin.replace(/^http/, 'ws')}${browserApi.eventsPath}`, [browserApi.eventsProtocol, `${browserApi.tokenProtocolPrefix}${token}`]);
      socket.onopen = () => {
        retryDelayMs = 500;
        onConnection?.(true);
      };
      socket.onmessage = (message) => {
        try {
          listener(JSON.parse(String(message.data)) as TerminalEvent);
        } catch {
          // A malformed event is dropped; the next status event replaces it.
        }
      };
      socket.onclose = () => {
        onConnection?.(false);
        if (closed) return;
        retryTimer = window.setTimeout(connect, retryDelayMs);
        retryDelayMs = Math.min(retryDelayMs * 2, 10_000);
      };
    };
    connect();
    return () => {
      closed = true;
      if (retryTimer !== undefined) window.clearTimeout(retryTimer);
      socket?.close();
    };
  };
  return { api, subscribe };
}

export function createPreloadClient(bridge: PreloadBridge): TerminalClient {
  return {
    api: bridge.commands,
    subscribe: (listener, onConnection) => {
      onConnection?.(true);
      return bridge.onEvent(listener);
    },
  };
}

/**
 * The client for this page: the preload bridge in Electron; in a browser, the token from a launch
 * code, from `#token=…` or from this tab's session storage (a reload). Undefined without any.
 */
export async function connectTerminalClient(): Promise<TerminalClient | undefined> {
  if (window.terminal) return createPreloadClient(window.terminal);
  const launchCode = takeFromFragment('launch');
  if (launchCode) {
    const token = await exchangeLaunchCode(launchCode);
    if (token) sessionStorage.setItem(tokenStorageKey, token);
  }
  const token = takeBrowserToken();
  return token ? createBrowserClient(token) : undefined;
}
