/**
 * A fault-injecting HTTP proxy for integration tests: listens on 127.0.0.1 (port 0) and forwards
 * to TARGET, applying the fault the schedule picks for each request:
 *
 * - `pass`: forward as is.
 * - `refuse`: destroy the connection before reading the request (the backend never sees it).
 * - `500`: answer 500 without forwarding (an unsigned error page from a load balancer).
 * - `timeout`: read the request, forward nothing, answer nothing (the client's timeout fires).
 * - `drop-after-commit`: forward, wait for the backend's full answer, then destroy the client's
 *   connection without sending it (the backend committed; the terminal never hears).
 * - `duplicate`: forward the same request twice (a retrying middlebox) and return the second answer.
 * - `truncate`: forward, then send only half of the backend's body.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault = 'pass' | 'refuse' | '500' | 'timeout' | 'drop-after-commit' | 'duplicate' | 'truncate';

export interface ForwardedAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export class FaultProxy {
  readonly applied: { fault: Fault; method: string; path: string }[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly target: URL,
    public schedule: (method: string, path: string) => Fault,
  ) {}

  static async start(target: string, schedule: (method: string, path: string) => Fault = () => 'pass'): Promise<FaultProxy> {
    // The server exists before the proxy object that handles its requests.
    const holder: { proxy?: FaultProxy } = {};
    const server = createServer((request, response) => {
      void holder.proxy?.handle(request, response);
    });
    server.on('connection', (socket) => {
      holder.proxy?.sockets.add(socket);
      socket.on('close', () => holder.proxy?.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const proxy = new FaultProxy(server, `http://127.0.0.1:${port}`, new URL(target), schedule);
    holder.proxy = proxy;
    return proxy;
  }

  private forward(request: IncomingMessage, body: Buffer): Promise<ForwardedAnswer> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { host: this.target.hostname, port: this.target.port, method: request.method, path: request.url, headers: { ...request.headers, host: this.target.host } },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
          answer.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const fault = this.schedule(method, path);
    this.applied.push({ fault, method, path });
    if (fault === 'refuse') {
      request.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (fault === 'timeout') return;
    if (fault === '500') {
      response.writeHead(500, { 'content-type': 'text/html' }).end('<h1>500 Internal Server Error</h1>');
      return;
    }
    let answer: ForwardedAnswer;
    try {
      answer = await this.forward(request, body);
      if (fault === 'duplicate') answer = await this.forward(request, body);
    } catch (error) {
      response.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${(error as Error).message}`);
      return;
    }
    if (fault === 'drop-after-commit') {
      request.socket.destroy();
      return;
    }
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    if (fault === 'truncate') {
      response.writeHead(answer.status, headers);
      response.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)));
      request.socket.destroy();
      return;
    }
    response.writeHead(answer.status, headers).end(answer.body);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
