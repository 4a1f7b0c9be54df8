/**
 * IPA's TLS policy (research/ipa.md §1.7): TLS 1.2 allows only the four ECDHE-AES-GCM suites
 * unless `tls_cipher_suites` says otherwise; `1.3` pins TLS 1.3.
 */
export const DEFAULT_TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
].join(':');

/** Node takes TLS 1.3 suites in the same string; keep its defaults for 1.3. */
const TLS13_CIPHERS = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

export interface TlsPolicy {
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  ciphers: string;
}

export function tlsPolicy(minVersion: '1.2' | '1.3', cipherSuites: string | null): TlsPolicy {
  return {
    minVersion: minVersion === '1.3' ? 'TLSv1.3' : 'TLSv1.2',
    ciphers: `${TLS13_CIPHERS}:${cipherSuites?.trim() || DEFAULT_TLS12_CIPHERS}`,
  };
}
