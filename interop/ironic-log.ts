/**
 * Readers for what a real Ironic (21.4) writes to its log about one node: the authoritative
 * record of the states it went through, the steps it ran and the agent commands it sent. The
 * formats are Ironic's own INFO/DEBUG messages; a new Ironic that rewords them fails loudly
 * (empty lists) rather than passing silently.
 */

export interface ProvisionTransition {
  from: string;
  to: string;
  target: string | null;
}

export interface ExecutedStep {
  kind: 'clean' | 'deploy';
  interface: string;
  step: string;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function linesAbout(log: string, nodeUuid: string): string[] {
  return log.split('\n').filter((line) => line.includes(nodeUuid));
}

/** `Node <uuid> moved to provision state "X" from state "Y"; target provision state is "Z"`. */
export function provisionTransitions(log: string, nodeUuid: string): ProvisionTransition[] {
  const re = new RegExp(
    `Node ${escape(nodeUuid)} moved to provision state "([^"]+)" from state "([^"]+)"; target provision state is "([^"]+)"`,
  );
  const out: ProvisionTransition[] = [];
  for (const line of linesAbout(log, nodeUuid)) {
    const m = re.exec(line);
    if (m) out.push({ to: m[1]!, from: m[2]!, target: m[3] === 'None' ? null : m[3]! });
  }
  return out;
}

/** The clean and deploy steps the conductor started: `Executing {'step': …} on node <uuid>`. */
export function executedSteps(log: string, nodeUuid: string): ExecutedStep[] {
  const re = new RegExp(
    `ironic\\.conductor\\.(cleaning|deployments) .*Executing (\\{'step': '[^']+'.*\\}) on node ${escape(nodeUuid)}`,
  );
  const out: ExecutedStep[] = [];
  for (const line of linesAbout(log, nodeUuid)) {
    const m = re.exec(line);
    if (!m) continue;
    const step = /'step': '([^']+)'/.exec(m[2]!)?.[1];
    const iface = /'interface': '([^']+)'/.exec(m[2]!)?.[1];
    if (step && iface) {
      out.push({ kind: m[1] === 'cleaning' ? 'clean' : 'deploy', interface: iface, step });
    }
  }
  return out;
}

/** Commands the conductor posted to the agent: `Executing agent command <name> for node …`. */
export function agentCommandsSent(log: string, nodeUuid: string): string[] {
  const re = new RegExp(`Executing agent command (\\S+) for node ${escape(nodeUuid)}`);
  const out: string[] = [];
  for (const line of linesAbout(log, nodeUuid)) {
    const m = re.exec(line);
    if (m) out.push(m[1]!);
  }
  return out;
}

/** How many times the conductor polled the agent's command list (`GET /v1/commands/`). */
export function commandStatusPolls(log: string, nodeUuid: string): number {
  const needle = `Fetching status of agent commands for node ${nodeUuid}`;
  return linesAbout(log, nodeUuid).filter((line) => line.includes(needle)).length;
}
