import { execFile } from 'node:child_process';

/** What one `baremetal` run printed, and how it ended. */
export interface BaremetalRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Debian's OpenStack client (python3-ironicclient's `baremetal`) pointed at an Ironic API with no
 * authentication, as an operator points it at a standalone Ironic. The endpoint is read at each
 * call, so a suite can make the client before its conductor has bound a port.
 */
export function baremetalCli(endpoint: () => string, timeoutMs = 150_000) {
  const run = (...args: string[]): Promise<BaremetalRun> =>
    new Promise((resolve) => {
      execFile(
        'baremetal',
        args,
        {
          env: {
            ...process.env,
            OS_ENDPOINT: endpoint(),
            OS_AUTH_TYPE: 'none',
            OS_BAREMETAL_API_VERSION: 'latest',
          },
          timeout: timeoutMs,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  /** Runs and returns stdout; a non-zero exit throws with the client's stderr. */
  const ok = async (...args: string[]): Promise<string> => {
    const result = await run(...args);
    if (result.code !== 0)
      throw new Error(`baremetal ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  };
  return { run, ok };
}
