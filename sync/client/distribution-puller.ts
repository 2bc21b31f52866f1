/**
 * Pulls the catalog, planogram and settings the backend distributes (`GET /v1/distribution/:kind`
 * with `If-None-Match`), and keeps the latest of each as `<directory>/<kind>.json`
 * (`{ version, publishedAtMs, document }`, written atomically). The terminal validates a document
 * with its own config schema before using it; this class only fetches and stores.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { distributionKinds, distributionResponseSchema, routePath, type DistributionKind } from '../protocol/backend-api.js';
import { BackendCallError, type BackendHttpClient } from './backend-http-client.js';
import type { DistributionPuller } from './sync-client.js';

export interface StoredDistribution {
  readonly version: number;
  readonly publishedAtMs: number;
  readonly document: Record<string, unknown>;
}

export class HttpDistributionPuller implements DistributionPuller {
  constructor(
    private readonly client: BackendHttpClient,
    private readonly directory: string,
    /** Told when a kind got a new version. */
    private readonly onUpdate: (kind: DistributionKind, stored: StoredDistribution) => void = () => undefined,
  ) {}

  stored(kind: DistributionKind): StoredDistribution | undefined {
    const file = join(this.directory, `${kind}.json`);
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as StoredDistribution;
  }

  async pull(): Promise<void> {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    for (const kind of distributionKinds) {
      const current = this.stored(kind);
      let response;
      try {
        response = await this.client.call('GET', routePath('distribution', { kind }), distributionResponseSchema, { headers: current ? { 'if-none-match': `"${current.version}"` } : {} });
      } catch (error) {
        // Nothing published for this kind yet is not a failure.
        if (error instanceof BackendCallError && error.backendCode === 'not-found') continue;
        throw error;
      }
      if (response.status === 304 || !response.body) continue;
      const stored: StoredDistribution = { version: response.body.version, publishedAtMs: response.body.publishedAtMs, document: response.body.document };
      const file = join(this.directory, `${kind}.json`);
      writeFileSync(`${file}.tmp`, JSON.stringify(stored), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
      this.onUpdate(kind, stored);
    }
  }
}
