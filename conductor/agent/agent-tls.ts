import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import type { Clock } from '../../lib';

// OpenSSL judges certificate dates by the wall clock; these are the only verdicts we re-judge.
const DATE_ERRORS = new Set(['CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED']);

/**
 * Why an agent's certificate is not acceptable, or null when it is. The agent's auto-TLS
 * certificate is self-signed and sent as `agent_verify_ca`, so it must be the pinned CA or be
 * signed by it, name the host we dialled, and be valid at the conductor's `now` (its Clock, not
 * the wall clock: a simulated lab runs scaled time and the agent dates its certificate by it).
 */
export function agentCertificateProblem(opts: {
  peer: X509Certificate;
  ca: X509Certificate;
  host: string;
  now: number;
  /** OpenSSL's verdict on the chain (`authorizationError`), null when it had no objection. */
  opensslError: string | null;
}): string | null {
  const { peer, ca, host, now, opensslError } = opts;
  if (opensslError && !DATE_ERRORS.has(opensslError)) return opensslError;
  const same = peer.raw.equals(ca.raw);
  if (!same && !(peer.checkIssued(ca) && peer.verify(ca.publicKey))) {
    return 'certificate is not signed by the agent_verify_ca on file';
  }
  for (const cert of same ? [peer] : [peer, ca]) {
    if (now < Date.parse(cert.validFrom)) return 'certificate is not yet valid';
    if (now > Date.parse(cert.validTo)) return 'certificate has expired';
  }
  const identity = checkServerIdentity(host, peer.toLegacyObject());
  return identity ? identity.message : null;
}

/**
 * An undici connector that verifies an agent's TLS certificate against its `agent_verify_ca`
 * (Ironic's behaviour), judging dates on `clock`.
 */
export function pinnedAgentConnector(caPem: string, clock: Clock): buildConnector.connector {
  const ca = new X509Certificate(caPem);
  const base = buildConnector({ ca: caPem, rejectUnauthorized: false });
  return (options, callback) => {
    base(options, (err, socket) => {
      if (err || !socket) {
        callback(err ?? new Error('connection failed'), null);
        return;
      }
      const tls = socket as TLSSocket;
      const peer = typeof tls.getPeerX509Certificate === 'function' && tls.getPeerX509Certificate();
      const problem = peer
        ? agentCertificateProblem({
            peer,
            ca,
            host: options.hostname.replace(/^\[|\]$/g, ''),
            now: clock.now(),
            opensslError: tls.authorized ? null : String(tls.authorizationError ?? '') || null,
          })
        : 'the agent presented no certificate';
      if (problem) {
        socket.destroy();
        const error = new Error(problem) as Error & { code: string };
        error.code = 'AGENT_CERTIFICATE_REJECTED';
        callback(error, null);
        return;
      }
      callback(null, socket);
    });
  };
}
