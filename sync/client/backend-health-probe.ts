/**
 * Tells whether the payment backend answers, by asking `GET <url>/health` on an interval.
 * `degraded` means it answered with an error status; `offline` that it did not answer in time.
 * This is the connectivity signal until the sync client reports its own.
 */
export type Connectivity = 'online' | 'offline' | 'degraded';

export interface BackendHealthProbeOptions {
  readonly baseUrl: string;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly onChange: (connectivity: Connectivity) => void;
  readonly fetchImpl?: typeof fetch;
}

export class BackendHealthProbe {
  private timer: NodeJS.Timeout | undefined;
  private current: Connectivity = 'offline';
  private stopped = false;

  constructor(private readonly options: BackendHealthProbeOptions) {}

  get connectivity(): Connectivity {
    return this.current;
  }

  start(): void {
    this.stopped = false;
    void this.check();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** One probe; never throws. */
  async check(): Promise<Connectivity> {
    const fetchImpl = this.options.fetchImpl ?? fetch;
    let next: Connectivity;
    try {
      const response = await fetchImpl(new URL('health', this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`), {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000),
      });
      next = response.ok ? 'online' : 'degraded';
    } catch {
      // Any transport failure (refused, DNS, timeout) means the backend cannot be reached now.
      next = 'offline';
    }
    if (next !== this.current) {
      this.current = next;
      this.options.onChange(next);
    }
    if (!this.stopped) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.check(), this.options.intervalMs ?? 10_000);
      this.timer.unref();
    }
    return next;
  }
}
