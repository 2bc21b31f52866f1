/**
 * A throwaway self-signed certificate for TLS tests, made by the openssl CLI in a temp folder
 * (EC P-256, CN and subjectAltName 127.0.0.1, valid 2 days). `pin` is what an enrollment code
 * carries: the SHA-256 of the certificate's DER bytes, lowercase hex.
 */
import { execFile } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface SelfSignedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly pin: string;
}

export async function makeSelfSignedCertificate(name = 'backend'): Promise<SelfSignedCertificate> {
  const dir = mkdtempSync(join(tmpdir(), `tls-${name}-`));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=127.0.0.1/O=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1',
  ]);
  const certificatePem = readFileSync(certFile, 'utf8');
  return { certFile, keyFile, certificatePem, privateKeyPem: readFileSync(keyFile, 'utf8'), pin: createHash('sha256').update(new X509Certificate(certificatePem).raw).digest('hex') };
}
