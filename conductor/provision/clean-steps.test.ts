import { describe, expect, it } from 'vitest';
import { automatedSteps, manualSteps, mergeAgentSteps, sameStep } from './clean-steps';

describe('clean steps', () => {
  it('merges managers keeping the highest priority, and marks steps as needing the ramdisk', () => {
    const merged = mergeAgentSteps({
      GenericHardwareManager: [{ interface: 'deploy', step: 'erase_devices', priority: 10 }],
      VendorManager: [
        { interface: 'deploy', step: 'erase_devices', priority: 50 },
        { interface: 'raid', step: 'create', priority: 0 },
      ],
    });
    expect(merged).toEqual([
      { interface: 'deploy', step: 'erase_devices', priority: 50, requires_ramdisk: true },
      { interface: 'raid', step: 'create', priority: 0, requires_ramdisk: true },
    ]);
  });

  it('orders automated steps by priority, then interface priority, dropping priority 0', () => {
    const steps = automatedSteps([
      { interface: 'raid', step: 'r', priority: 20 },
      { interface: 'deploy', step: 'd', priority: 20, argsinfo: { x: {} } },
      { interface: 'bios', step: 'b', priority: 30 },
      { interface: 'management', step: 'm', priority: 20 },
      { interface: 'deploy', step: 'zero', priority: 0 },
    ]);
    expect(steps.map((s) => s.step)).toEqual(['b', 'm', 'd', 'r']);
    expect(steps[2]).toEqual({ interface: 'deploy', step: 'd', priority: 20, args: {} });
  });

  it('applies clean_step_priority_override before filtering and ordering', () => {
    const steps = automatedSteps(
      [
        { interface: 'deploy', step: 'erase_devices', priority: 10 },
        { interface: 'deploy', step: 'erase_devices_metadata', priority: 99 },
        { interface: 'raid', step: 'delete_configuration', priority: 0 },
      ],
      { 'deploy.erase_devices_metadata': 0, 'raid.delete_configuration': 50 },
    );
    expect(steps.map((s) => `${s.step}:${s.priority}`)).toEqual([
      'delete_configuration:50',
      'erase_devices:10',
    ]);
  });

  it('keeps manual order and inherits definitions; reports unknown steps', () => {
    const available = [
      { interface: 'deploy', step: 'erase_devices', priority: 10, abortable: true },
      { interface: 'raid', step: 'delete_configuration', priority: 0, reboot_requested: true },
    ];
    const ok = manualSteps(
      [
        { interface: 'raid', step: 'delete_configuration' },
        { interface: 'deploy', step: 'erase_devices', args: { a: 1 } },
      ],
      available,
    );
    expect(ok).toEqual({
      steps: [
        {
          interface: 'raid',
          step: 'delete_configuration',
          args: {},
          priority: 0,
          abortable: false,
          reboot_requested: true,
          requires_ramdisk: true,
        },
        {
          interface: 'deploy',
          step: 'erase_devices',
          args: { a: 1 },
          priority: 10,
          abortable: true,
          reboot_requested: false,
          requires_ramdisk: true,
        },
      ],
    });
    expect(manualSteps([{ interface: 'bios', step: 'x' }], available)).toEqual({
      error: 'The following clean steps are not supported by this node: bios.x',
    });
  });

  it('compares an echoed step by interface, name and args', () => {
    const step = { interface: 'deploy', step: 'e', priority: 1, args: { a: 1 } };
    expect(sameStep({ interface: 'deploy', step: 'e', args: { a: 1 }, priority: 99 }, step)).toBe(
      true,
    );
    expect(sameStep({ interface: 'deploy', step: 'e', args: { a: 2 } }, step)).toBe(false);
    expect(sameStep({ interface: 'deploy', step: 'f', args: { a: 1 } }, step)).toBe(false);
    expect(sameStep(null, step)).toBe(false);
  });
});
