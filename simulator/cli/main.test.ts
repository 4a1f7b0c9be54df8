import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

interface SimDoc {
  redfish: string;
  machines: Array<{
    id: string;
    macs: string[];
    bmc: { systemId: string; username: string; password: string };
    ipmi?: { port: number };
  }>;
}

describe('npm run sim', () => {
  it('prints one JSON document with every BMC, serves it, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        MAIN,
        '--machines',
        '3',
        '--profile',
        'mix',
        '--redfish-port',
        '0',
        '--ipmi-port',
        '0',
        '--log-level',
        'warn',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const doc = await new Promise<SimDoc>((resolve, reject) => {
      child.on('exit', (code) => reject(new Error(`sim exited early with ${code}`)));
      child.stdout.on('data', () => {
        try {
          resolve(JSON.parse(stdout) as SimDoc);
        } catch {
          // not complete yet
        }
      });
    });
    expect(doc.machines.map((m) => m.id)).toEqual([
      'storage-2u-001',
      'compute-nvme-002',
      'small-vm-003',
    ]);
    expect(doc.machines.every((m) => (m.ipmi?.port ?? 0) > 0)).toBe(true);
    const m = doc.machines[2]!;
    const res = await fetch(`${doc.redfish}${m.bmc.systemId}`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${m.bmc.username}:${m.bmc.password}`).toString('base64')}`,
      },
    });
    expect(res.status).toBe(200);
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
