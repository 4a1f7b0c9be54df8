import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../lib';
import { FAULT_KINDS, type FaultSpec } from '../../../simulator';
import { testMachine } from '../../../simulator/testing/machines';
import { faultKindsFor } from './fault-kinds';

function sample(kind: FaultSpec['kind'], disk: string, nic: string): FaultSpec {
  switch (kind) {
    case 'disk-failure':
      return { kind, disk };
    case 'slow-disk':
      return { kind, disk, factor: 10 };
    case 'link-down':
      return { kind, nic };
    case 'bmc-unreachable':
    case 'bmc-error':
    case 'power-ignored':
    case 'image-corrupt':
    case 'agent-crash':
      return { kind };
  }
}

/** Whether the machine model takes the fault, rather than refusing it for emulated hardware. */
function accepts(emulated: boolean, kind: FaultSpec['kind']): boolean {
  const machine = testMachine('small-vm', new FakeClock(), {
    ...(emulated
      ? {
          hardware: {
            boot: () => Promise.reject(new Error('not booted in this test')),
            hasBootableDisk: () => false,
          },
        }
      : {}),
  });
  const fault = sample(kind, machine.spec.disks[0]!.name, machine.spec.nics[0]!.name);
  try {
    machine.injectFault(fault);
    return true;
  } catch (error) {
    // A crash needs a running agent; that refusal is about the moment, not the machine kind.
    return !/emulated hardware/.test(String(error));
  }
}

describe('the fault kinds the panel offers', () => {
  it('are exactly those the model of a QEMU machine accepts', () => {
    const offered = faultKindsFor('qemu', FAULT_KINDS);
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.length).toBeLessThan(FAULT_KINDS.length);
    for (const kind of FAULT_KINDS) expect(offered.includes(kind), kind).toBe(accepts(true, kind));
  });

  it('are every kind for a simulated machine, which the model accepts', () => {
    expect(faultKindsFor('simulated', FAULT_KINDS)).toEqual([...FAULT_KINDS]);
    for (const kind of FAULT_KINDS) expect(accepts(false, kind), kind).toBe(true);
  });
});
