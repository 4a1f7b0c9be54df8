import { describe, expect, it } from 'vitest';
import {
  agentCommandsSent,
  commandStatusPolls,
  executedSteps,
  provisionTransitions,
} from './ironic-log';

const NODE = '67135b2b-629c-4303-abb4-7067564768ea';
const OTHER = 'af059d15-fce0-49ff-8644-58aec57939e7';
const req = '[None req-0d7d9dd2-d26a-457c-bb42-3d9ac539bac7 - - - - - -]';

// Lines as Ironic 21.4.4 writes them (shortened where Ironic prints long dictionaries).
const LOG = [
  `2026-11-25 21:51:03.330 1161 INFO ironic.conductor.task_manager ${req} Node ${NODE} moved to provision state "cleaning" from state "manageable"; target provision state is "available"`,
  `2026-11-25 21:51:04.880 1161 INFO ironic.conductor.task_manager ${req} Node ${NODE} moved to provision state "clean wait" from state "cleaning"; target provision state is "available"`,
  `2026-11-25 21:51:04.881 1161 INFO ironic.conductor.task_manager ${req} Node ${OTHER} moved to provision state "verifying" from state "enroll"; target provision state is "manageable"`,
  `2026-11-25 21:51:05.861 1161 DEBUG ironic.drivers.modules.agent_client [-] Executing agent command clean.get_clean_steps for node ${NODE} with params {'wait': 'true', 'agent_token': '***'} _command /usr/lib/python3/dist-packages/ironic/drivers/modules/agent_client.py:199`,
  `2026-11-25 21:51:06.063 1161 INFO ironic.conductor.cleaning ${req} Executing {'step': 'erase_devices_metadata', 'priority': 99, 'interface': 'deploy', 'reboot_requested': False, 'abortable': True, 'requires_ramdisk': True} on node ${NODE}`,
  `2026-11-25 21:51:06.078 1161 DEBUG ironic.drivers.modules.agent_client ${req} Executing agent command clean.execute_clean_step for node ${NODE} with params {'wait': 'false', 'agent_token': '***'} _command /usr/lib/python3/dist-packages/ironic/drivers/modules/agent_client.py:199`,
  `2026-11-25 21:51:06.354 1161 DEBUG ironic.drivers.modules.agent_client [-] Fetching status of agent commands for node ${NODE} get_commands_status /usr/lib/python3/dist-packages/ironic/drivers/modules/agent_client.py:315`,
  `2026-11-25 21:57:00.100 9285 INFO ironic.conductor.deployments ${req} Executing {'step': 'write_image', 'priority': 80, 'argsinfo': None, 'interface': 'deploy'} on node ${NODE}`,
  `2026-11-25 21:57:03.256 9285 ERROR ironic.conductor.task_manager ${req} Node ${NODE} moved to provision state "deploy failed" from state "wait call-back"; target provision state is "None"`,
].join('\n');

describe("readers of a real Ironic's log", () => {
  it('lists one node’s provision transitions in order, with None as null', () => {
    expect(provisionTransitions(LOG, NODE)).toEqual([
      { from: 'manageable', to: 'cleaning', target: 'available' },
      { from: 'cleaning', to: 'clean wait', target: 'available' },
      { from: 'wait call-back', to: 'deploy failed', target: null },
    ]);
    expect(provisionTransitions(LOG, OTHER)).toEqual([
      { from: 'enroll', to: 'verifying', target: 'manageable' },
    ]);
  });

  it('lists the clean and deploy steps the conductor started', () => {
    expect(executedSteps(LOG, NODE)).toEqual([
      { kind: 'clean', interface: 'deploy', step: 'erase_devices_metadata' },
      { kind: 'deploy', interface: 'deploy', step: 'write_image' },
    ]);
    expect(executedSteps(LOG, OTHER)).toEqual([]);
  });

  it('lists the agent commands sent and counts the status polls', () => {
    expect(agentCommandsSent(LOG, NODE)).toEqual([
      'clean.get_clean_steps',
      'clean.execute_clean_step',
    ]);
    expect(commandStatusPolls(LOG, NODE)).toBe(1);
    expect(commandStatusPolls(LOG, OTHER)).toBe(0);
  });
});
