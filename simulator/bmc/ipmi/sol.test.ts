import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib';
import { testMachine } from '../../testing/machines';
import { IpmiBmc } from './ipmi-bmc';

let stopAll: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stopAll) await stop();
  stopAll = [];
});

/** Waits (a few ms at a time, for real loopback I/O) until `predicate` holds. */
async function until(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Serial over LAN with the real ipmitool', () => {
  it('streams the serial console to `ipmitool sol activate` and ends on ~.', async () => {
    const clock = new FakeClock();
    const machine = testMachine('storage-2u', clock);
    const bmc = new IpmiBmc({ machine, clock });
    await bmc.start();
    stopAll.push(() => bmc.stop());
    // ipmitool wants a terminal for SOL; script(1) gives it one.
    const command = `/usr/bin/ipmitool -I lanplus -H 127.0.0.1 -p ${bmc.port} -U admin -P secret-pw sol activate`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    stopAll.push(async () => {
      child.kill();
      await Promise.resolve();
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await until(() => output.includes('SOL Session operational'), 'the SOL session');
    const second = spawn('/usr/bin/ipmitool', [
      '-I',
      'lanplus',
      '-H',
      '127.0.0.1',
      '-p',
      String(bmc.port),
      '-U',
      'admin',
      '-P',
      'secret-pw',
      'sol',
      'activate',
    ]);
    let secondOut = '';
    second.stdout.on('data', (c: Buffer) => (secondOut += c.toString()));
    second.stderr.on('data', (c: Buffer) => (secondOut += c.toString()));
    await new Promise<void>((resolve) => second.on('exit', () => resolve()));
    expect(secondOut).toMatch(/already active/i);
    machine.powerOn();
    await until(() => output.includes('Press <F2> to enter Setup'), 'the POST lines');
    expect(output).toContain('Dell Inc. PowerEdge R740xd');
    child.stdin.write('~.');
    await exited;
    expect(bmc.endpoint.sessionCount).toBe(0);
    expect(machine.serial.listenerCount).toBe(0);
    await machine.powerOff();
  });
});
