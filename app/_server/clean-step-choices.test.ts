import { describe, expect, it } from 'vitest';
import { argType, stepChoices, toCleanSteps } from './clean-step-choices';

const cached = {
  agent_cached_clean_steps: {
    GenericHardwareManager: [
      {
        interface: 'deploy',
        step: 'erase_devices',
        priority: 10,
        abortable: true,
        reboot_requested: false,
      },
      {
        interface: 'deploy',
        step: 'erase_devices_metadata',
        priority: 99,
        abortable: true,
        reboot_requested: false,
      },
    ],
    AcmeHardwareManager: [
      {
        interface: 'deploy',
        step: 'erase_devices',
        priority: 5,
        abortable: false,
        reboot_requested: false,
      },
      {
        interface: 'management',
        step: 'flash_bios',
        priority: 0,
        abortable: false,
        reboot_requested: true,
        argsinfo: {
          image_url: { description: 'URL of the capsule.', required: true },
          force: {
            description: "Setting this to 'True' flashes even the same version.",
            required: false,
          },
          retries: { description: 'How often to retry.', required: false },
        },
      },
    ],
  },
  agent_cached_clean_steps_refreshed: '2026-01-01T00:00:00.000000',
};

describe('stepChoices', () => {
  it('merges the managers (the higher priority wins) and adds the conductor reserved steps', () => {
    const { steps, refreshedAt } = stepChoices(cached);
    expect(refreshedAt).toBe('2026-01-01T00:00:00.000000');
    const names = steps.map((s) => `${s.interface}.${s.step}`);
    expect(names).toEqual([
      'deploy.erase_devices',
      'deploy.erase_devices_metadata',
      'management.flash_bios',
      'deploy.wait',
      'deploy.hold',
      'power.power_on',
      'power.power_off',
      'power.reboot',
    ]);
    expect(steps[0]).toMatchObject({
      priority: 10,
      abortable: true,
      erases: 'all data on every disk',
    });
    expect(steps[2]!.args).toEqual([
      { name: 'image_url', description: 'URL of the capsule.', required: true, type: 'string' },
      {
        name: 'force',
        description: expect.any(String) as string,
        required: false,
        type: 'boolean',
      },
      { name: 'retries', description: 'How often to retry.', required: false, type: 'string' },
    ]);
  });

  it('offers only the reserved steps before the agent ever listed its own', () => {
    const { steps, refreshedAt } = stepChoices({});
    expect(refreshedAt).toBeNull();
    expect(steps.every((s) => s.reserved)).toBe(true);
  });
});

describe('argType', () => {
  it('reads a type into untyped argsinfo', () => {
    expect(argType('seconds', '')).toBe('number');
    expect(argType('raid_config', 'The RAID configuration to apply.')).toBe('json');
    expect(argType('delete_existing', "Setting this to 'True' deletes it")).toBe('boolean');
    expect(argType('image_url', 'URL')).toBe('string');
  });
});

describe('toCleanSteps', () => {
  const { steps: choices } = stepChoices(cached);

  it('turns the form into typed clean_steps', () => {
    const result = toCleanSteps(
      [
        {
          interface: 'management',
          step: 'flash_bios',
          args: { image_url: ' http://x/cap ', force: true },
        },
        { interface: 'deploy', step: 'wait', args: { seconds: '5' } },
      ],
      choices,
    );
    expect(result).toEqual({
      ok: true,
      steps: [
        {
          interface: 'management',
          step: 'flash_bios',
          args: { image_url: 'http://x/cap', force: true },
        },
        { interface: 'deploy', step: 'wait', args: { seconds: 5 } },
      ],
    });
  });

  it('says which field is wrong and why', () => {
    const result = toCleanSteps(
      [
        { interface: 'management', step: 'flash_bios', args: { colour: 'red' } },
        { interface: 'deploy', step: 'wait', args: { seconds: 'soon' } },
        { interface: 'deploy', step: 'format_c', args: {} },
      ],
      choices,
    );
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: ['steps', 0, 'args', 'colour'], message: 'flash_bios takes no argument "colour"' },
        { path: ['steps', 0, 'args', 'image_url'], message: 'is required' },
        { path: ['steps', 1, 'args', 'seconds'], message: 'must be a number' },
        {
          path: ['steps', 2, 'step'],
          message: "deploy.format_c is not among this machine's clean steps",
        },
      ],
    });
  });
});
