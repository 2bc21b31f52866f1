/**
 * The backend's TLS material (docs/tls.md): a PEM certificate (the server's own first, then any
 * chain) and its PEM private key, checked to belong together before the server starts, plus the
 * certificate pin terminals enroll with (SHA-256 of the first certificate's DER bytes,
 * sync/protocol/transport-security.ts). Every failure is a `BackendTlsError` naming the file; the
 * key's contents never appear in a message.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { certificatePinOfPem } from '../../sync/protocol/transport-security.js';

export type BackendTlsErrorCode = 'unreadable' | 'not-a-certificate' | 'not-a-key' | 'key-mismatch';

export class BackendTlsError extends Error {
  override readonly name = 'BackendTlsError';
  constructor(
    readonly code: BackendTlsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface BackendTls {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** Lowercase hex SHA-256 of the (first) certificate's DER bytes. */
  readonly certificatePin: string;
  /** The certificate's validity end, as the certificate states it. */
  readonly validTo: string;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new BackendTlsError('unreadable', `cannot read the TLS ${what} ${file}: ${(error as Error).message}`);
  }
}

function parseCertificate(pem: string, file: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new BackendTlsError('not-a-certificate', `${file} is not a PEM certificate (${(error as Error).message})`);
  }
}

/** Reads a certificate file only (to print or embed its pin). */
export function readCertificatePin(certificateFile: string): string {
  const pem = readText(certificateFile, 'certificate');
  parseCertificate(pem, certificateFile);
  return certificatePinOfPem(pem);
}

export function readBackendTls(certificateFile: string, privateKeyFile: string): BackendTls {
  const certificatePem = readText(certificateFile, 'certificate');
  const privateKeyPem = readText(privateKeyFile, 'private key');
  const certificate = parseCertificate(certificatePem, certificateFile);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privateKeyPem);
  } catch {
    // The parser's message may quote the input: keep it out.
    throw new BackendTlsError('not-a-key', `${privateKeyFile} is not a PEM private key (or it is encrypted: give an unencrypted key, mode 0600)`);
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new BackendTlsError('key-mismatch', `the private key ${privateKeyFile} does not belong to the certificate ${certificateFile}`);
  return { certificatePem, privateKeyPem, certificatePin: certificatePinOfPem(certificatePem), validTo: certificate.validTo };
}
