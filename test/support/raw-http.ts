/**
 * A bounded raw HTTP/1.1 client for abuse tests: it writes bytes exactly as given (no URL
 * normalisation, unlike fetch) on a fresh TCP connection and reads until the server ends the
 * connection. A request the server leaves hanging comes back `answered: false` once the bound
 * passes, so a test can fail on it instead of waiting forever (the bound is a hang detector,
 * not a speed requirement).
 */
import { connect } from 'node:net';

export interface RawExchange {
  /** True when a response arrived before the bound passed. */
  readonly answered: boolean;
  /** True when the server itself ended the connection (it holds no socket for this request). */
  readonly closedByServer: boolean;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Request bytes with a Host header and `connection: close`; BODY gets a content-length unless HEADERS say `transfer-encoding`. */
export function rawRequest(method: string, path: string, host: string, headers: Readonly<Record<string, string>> = {}, body = ''): string {
  const lines = [`${method} ${path} HTTP/1.1`, `host: ${host}`, 'connection: close', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  if (body.length > 0 && headers['transfer-encoding'] === undefined) lines.push(`content-length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function parseResponse(text: string): Omit<RawExchange, 'answered' | 'closedByServer'> {
  const headerEnd = text.indexOf('\r\n\r\n');
  const head = headerEnd === -1 ? text : text.slice(0, headerEnd);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body: headerEnd === -1 ? '' : text.slice(headerEnd + 4) };
}

/** Sends RAW to ORIGIN (http://host:port) and resolves when the server closes, or after BOUNDMS. */
export function rawExchange(origin: string, raw: string, boundMs = 15_000): Promise<RawExchange> {
  const url = new URL(origin);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname.replace(/^\[|\]$/g, ''));
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(bound);
      socket.destroy();
      const response = parseResponse(Buffer.concat(chunks).toString('utf8'));
      resolve({ answered: response.status > 0, closedByServer, ...response });
    };
    const bound = setTimeout(() => finish(false), boundMs);
    socket.on('connect', () => socket.write(raw));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(false));
  });
}
