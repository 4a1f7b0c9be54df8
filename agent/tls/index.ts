export { createClientDispatcher } from './client-dispatcher';
export {
  type CertificateCurve,
  type SelfSignedCertificate,
  type SelfSignedOptions,
  generateSelfSignedCertificate,
  ipBytes,
} from './self-signed';
export { DEFAULT_TLS12_CIPHERS, type TlsPolicy, tlsPolicy } from './tls-options';
