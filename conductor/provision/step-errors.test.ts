import { describe, expect, it } from 'vitest';
import type { NodeRow } from '../db/schema';
import {
  agentStepError,
  conductorStepError,
  heartbeatError,
  pythonRepr,
  rebootError,
  StepFailure,
} from './step-errors';
import { CLEAN_KIND, DEPLOY_KIND } from './step-kind';

const node = (dii: Record<string, unknown> = {}) =>
  ({ uuid: 'N1', driverInternalInfo: dii }) as unknown as NodeRow;
const step = {
  interface: 'deploy',
  step: 'erase_devices',
  priority: 10,
  args: {},
  abortable: true,
};

// Each expected string is Ironic 21.4's wording (agent_base.py, deployments.py, cleaning.py).
describe('last_error wording as Ironic records it', () => {
  it('an agent step the agent reports FAILED', () => {
    expect(agentStepError(DEPLOY_KIND, node(), step, 'disk on fire')).toBe(
      'Deploy step deploy.erase_devices failed on node N1. disk on fire',
    );
    expect(agentStepError(CLEAN_KIND, node(), step, 'disk on fire')).toBe(
      'Clean step deploy.erase_devices failed on node N1. disk on fire',
    );
  });

  it('a step that raised in the conductor', () => {
    expect(conductorStepError(DEPLOY_KIND, node(), step, new Error('agent unreachable'))).toBe(
      'Deploy step deploy.erase_devices failed: agent unreachable.',
    );
    expect(conductorStepError(DEPLOY_KIND, node(), step, new StepFailure('worded. As is'))).toBe(
      'Deploy step deploy.erase_devices failed: worded. As is',
    );
    expect(conductorStepError(CLEAN_KIND, node(), step, new Error('BMC said no'))).toBe(
      "Node N1 failed step {'interface': 'deploy', 'step': 'erase_devices', 'priority': 10, 'args': {}, 'abortable': True}: BMC said no",
    );
  });

  it('a heartbeat that could not be handled, by stage', () => {
    expect(heartbeatError(DEPLOY_KIND, node(), null, 'x')).toBe(
      'Failed to load in-band deploy steps: x',
    );
    expect(heartbeatError(DEPLOY_KIND, node({ agent_cached_deploy_steps: {} }), step, 'x')).toBe(
      'Failed to process the next deploy step: x',
    );
    expect(heartbeatError(CLEAN_KIND, node(), null, 'x')).toBe(
      'Node failed to start the first cleaning step: x',
    );
    expect(heartbeatError(CLEAN_KIND, node(), step, 'x')).toBe(
      'Node failed to check cleaning progress: x',
    );
  });

  it('a reboot a step requested', () => {
    expect(
      rebootError(CLEAN_KIND, node(), { interface: 'raid', step: 'x', priority: 0 }, 'e'),
    ).toBe(
      "Reboot requested by clean step {'interface': 'raid', 'step': 'x', 'priority': 0} failed for node N1: e",
    );
  });

  it('prints values as Python does', () => {
    expect(pythonRepr({ a: [1, null, false, "it's"], b: 'q"\n' })).toBe(
      `{'a': [1, None, False, "it's"], 'b': 'q"\\n'}`,
    );
  });
});
