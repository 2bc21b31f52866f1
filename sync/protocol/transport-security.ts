/**
 * Transport security shared by the terminal and the backend (docs/tls.md):
 *
 * - Certificate pins: the SHA-256 of the backend certificate's DER bytes, written as 64 lowercase
 *   hex digits. `openssl x509 -noout -fingerprint -sha256` prints the same digest as colon-separated
 *   uppercase pairs; `normalizeCertificatePin` accepts both spellings.
 * - Enrollment codes may carry the pin: `ABCD-EFGH-JKLM#sha256=<hex>`. The part before `#` is what
 *   the terminal sends to `POST /v1/enroll`; the pin never leaves the terminal. A code without `#`
 *   is an old-style code (accepted for loopback or CA-verified backends).
 * - Loopback: `127.0.0.0/8`, `::1` (and `::ffff:127.x.y.z`), and the name `localhost`. The backend
 *   serves plain HTTP and its sandbox only there; the terminal enrolls over plain HTTP only there.
 *
 * Pure computation (node:crypto only): no sockets, no files.
 */
import { createHash, X509Certificate } from 'node:crypto';

/** Separates the enrollment code from its pin. */
const pinMarker = '#sha256=';
const pinPattern = /^[0-9a-f]{64}$/;

/** The pin (lowercase hex SHA-256 of the DER certificate) of the first certificate in PEM. Throws when PEM holds none. */
export function certificatePinOfPem(pem: string | Buffer): string {
  return certificatePinOfDer(new X509Certificate(pem).raw);
}

export function certificatePinOfDer(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** TEXT as a pin (64 lowercase hex digits), accepting colons and upper case; undefined when it is not one. */
export function normalizeCertificatePin(text: string): string | undefined {
  const compact = text.trim().replace(/:/g, '').toLowerCase();
  return pinPattern.test(compact) ? compact : undefined;
}

export function formatEnrollmentCode(code: string, certificatePin: string | undefined): string {
  return certificatePin === undefined ? code : `${code}${pinMarker}${certificatePin}`;
}

export type ParsedEnrollmentCode =
  | { readonly ok: true; readonly code: string; readonly certificatePin: string | undefined }
  | { readonly ok: false; readonly message: string };

/** Splits `CODE[#sha256=HEX]`; the code itself is validated by the backend (enrollmentCodeSchema). */
export function parseEnrollmentCode(text: string): ParsedEnrollmentCode {
  const hashAt = text.indexOf('#');
  if (hashAt === -1) return { ok: true, code: text.trim(), certificatePin: undefined };
  const code = text.slice(0, hashAt).trim();
  const fragment = text.slice(hashAt);
  if (!fragment.toLowerCase().startsWith(pinMarker)) return { ok: false, message: `after "#" an enrollment code carries "sha256=" and the certificate fingerprint, got "${fragment.slice(0, 20)}"` };
  const certificatePin = normalizeCertificatePin(fragment.slice(pinMarker.length));
  if (certificatePin === undefined) return { ok: false, message: 'the certificate fingerprint after "#sha256=" must be 64 hex digits (SHA-256 of the certificate)' };
  return { ok: true, code, certificatePin };
}

/** True for an IP address in 127.0.0.0/8, `::1`, or an IPv4-mapped `::ffff:127.x.y.z` (as a socket reports it). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const lower = address.toLowerCase();
  if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  const ipv4 = lower.startsWith('::ffff:') ? lower.slice('::ffff:'.length) : lower;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ipv4);
}

/** True when HOST (a listen address or a URL's host name, brackets allowed) names this machine's loopback only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.toLowerCase() === 'localhost' || isLoopbackAddress(bare);
}
